#include "pp_frame.h"

namespace pp {

uint16_t crc16CcittFalse(const uint8_t* data, size_t length, uint16_t crc) {
  for (size_t i = 0; i < length; i++) {
    crc ^= static_cast<uint16_t>(data[i]) << 8;
    for (int bit = 0; bit < 8; bit++) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

namespace {

// Appends to a fixed buffer; once anything does not fit, `ok` stays false and nothing more is written.
struct Writer {
  char* out;
  size_t capacity;
  size_t length;
  bool ok;

  void put(char c) {
    if (ok && length + 1 < capacity) {
      out[length++] = c;
    } else {
      ok = false;
    }
  }
  void put(const char* s) {
    while (*s) put(*s++);
  }
  void putUnsigned(uint64_t n) {
    char digits[20];
    int count = 0;
    do {
      digits[count++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0);
    while (count > 0) put(digits[--count]);
  }
  // §2: at most 3 decimals, trailing zeros dropped, no "-0".
  void putMilli(int64_t milli) {
    uint64_t magnitude = milli < 0 ? 0u - static_cast<uint64_t>(milli) : static_cast<uint64_t>(milli);
    if (milli < 0) put('-');
    putUnsigned(magnitude / 1000);
    uint32_t fraction = static_cast<uint32_t>(magnitude % 1000);
    if (fraction == 0) return;
    put('.');
    for (uint32_t unit = 100; fraction != 0; unit /= 10) {
      put(static_cast<char>('0' + fraction / unit));
      fraction %= unit;
    }
  }
};

const char kHex[] = "0123456789ABCDEF";

// contracts ID_PATTERN: 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit.
bool isIdChar(char c, bool first) {
  bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  return alnum || (!first && (c == '.' || c == '_' || c == '-'));
}

bool validDeviceId(const char* id) {
  size_t n = 0;
  for (; id[n] != '\0'; n++) {
    if (n == 64 || !isIdChar(id[n], n == 0)) return false;
  }
  return n > 0;
}

// Catalogue codes are snake_case; the receiver checks the catalogue itself.
bool validCode(const char* code) {
  size_t n = 0;
  for (; code[n] != '\0'; n++) {
    char c = code[n];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') || n == 63) return false;
  }
  return n > 0;
}

}  // namespace

size_t encodeFrame(char* out, size_t capacity, const char* deviceId, uint64_t seq, uint64_t ts,
                   const Measurement* measurements, size_t count) {
  if (out == 0 || capacity == 0) return 0;
  out[0] = '\0';
  if (deviceId == 0 || !validDeviceId(deviceId) || count == 0) return 0;
  Writer w = {out, capacity, 0, true};
  w.put('$');
  w.put("PP1,");
  w.put(deviceId);
  w.put(',');
  w.putUnsigned(seq);
  w.put(',');
  w.putUnsigned(ts);
  w.put(',');
  for (size_t i = 0; i < count; i++) {
    if (measurements[i].code == 0 || !validCode(measurements[i].code)) return out[0] = '\0', 0;
    if (measurements[i].milli > kMaxAbsMilli || measurements[i].milli < -kMaxAbsMilli) return out[0] = '\0', 0;
    if (i > 0) w.put(';');
    w.put(measurements[i].code);
    w.put('=');
    w.putMilli(measurements[i].milli);
  }
  if (!w.ok) return out[0] = '\0', 0;
  // §3: the CRC covers the bytes strictly between `$` and `*`.
  uint16_t crc = crc16CcittFalse(reinterpret_cast<const uint8_t*>(out) + 1, w.length - 1);
  w.put('*');
  for (int shift = 12; shift >= 0; shift -= 4) w.put(kHex[(crc >> shift) & 0xF]);
  w.put("\r\n");
  if (!w.ok || w.length > kMaxFrameBytes) return out[0] = '\0', 0;
  out[w.length] = '\0';
  return w.length;
}

}  // namespace pp
