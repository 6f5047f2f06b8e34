// PulseProof serial frame v1 encoder (docs/serial-protocol.md), for devices.
//
//   $PP1,<deviceId>,<seq>,<ts>,<code>=<value>;<code>=<value>...*<CRC>\r\n
//
// Plain C++11: no Arduino headers, no heap, no printf (AVR's printf has no 64-bit integers), so
// the same file builds for a board and for the host test (firmware/test/frame_test.cpp).
#ifndef PP_FRAME_H
#define PP_FRAME_H

#include <stddef.h>
#include <stdint.h>

namespace pp {

// §5: a frame, `$` through `\r\n`, is at most this many bytes; a receiver drops longer ones.
const size_t kMaxFrameBytes = 512;

// One measurement: a catalogue code and its value in thousandths of the catalogue unit
// (36.8 Cel -> 36800), so no float formatting is involved and every language agrees on the text.
// 64 bits because GPS codes are in microdegrees (180000000 -> 180000000000 thousandths).
struct Measurement {
  const char* code;
  int64_t milli;
};

// §2: a value has at most 12 integer digits, so |milli| stays below 10^15.
const int64_t kMaxAbsMilli = 999999999999999LL;

// CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor (check 0x29B1).
uint16_t crc16CcittFalse(const uint8_t* data, size_t length, uint16_t crc = 0xFFFF);

// Writes one complete frame, NUL-terminated, into `out`. Returns its length without the NUL, or 0
// when the frame would not be valid (bad device id or code, no measurements, a value beyond
// kMaxAbsMilli) or does not fit in
// `capacity` (give it kMaxFrameBytes + 1 to hold any valid frame).
size_t encodeFrame(char* out, size_t capacity, const char* deviceId, uint64_t seq, uint64_t ts,
                   const Measurement* measurements, size_t count);

}  // namespace pp

#endif  // PP_FRAME_H
