/**
 * CRC-16/CCITT-FALSE (Rocksoft model: width 16, poly 0x1021, init 0xFFFF, refin/refout false,
 * xorout 0x0000; check value 0x29B1 over ASCII "123456789"), as the serial frame format v1 uses
 * (docs/serial-protocol.md §3). Bitwise rather than table-driven: frames are short and the C++
 * encoder (firmware/pulseproof_monitor/pp_frame.cpp) uses the same loop on 2 KiB RAM devices.
 */
export function crc16CcittFalse(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** 4 uppercase hex digits, as the frame trailer carries them. */
export function formatCrc(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0');
}
