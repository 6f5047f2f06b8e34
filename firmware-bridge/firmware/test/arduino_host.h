// Just enough of the Arduino core to run pulseproof_monitor.ino on the host: Serial writes to
// stdout, millis() is a simulated clock that delay() advances, random() is deterministic.
// Force-included by the build in firmware-bridge/src/firmware.spec.ts (g++ -include).
#ifndef PP_ARDUINO_HOST_H
#define PP_ARDUINO_HOST_H

#include <stddef.h>
#include <stdint.h>

class HostSerial {
 public:
  void begin(unsigned long baud);
  size_t write(const uint8_t* data, size_t length);
  operator bool() const { return true; }
};

extern HostSerial Serial;
unsigned long millis();
void delay(unsigned long ms);
long random(long lowest, long highest);
void randomSeed(unsigned long seed);

void setup();
void loop();

#endif  // PP_ARDUINO_HOST_H
