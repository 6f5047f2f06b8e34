// Runs the sketch on the host: `monitor <frames>` calls setup() once, then loop() until the sketch
// has written that many lines to Serial, advancing the simulated clock 10 ms per loop.
#include "arduino_host.h"

#include <cstdio>
#include <cstdlib>

HostSerial Serial;

namespace {
unsigned long clockMs = 0;
unsigned long lines = 0;
uint32_t lcg = 1;
}  // namespace

void HostSerial::begin(unsigned long) {}

size_t HostSerial::write(const uint8_t* data, size_t length) {
  for (size_t i = 0; i < length; i++) {
    if (data[i] == '\n') lines++;
  }
  return std::fwrite(data, 1, length, stdout);
}

unsigned long millis() { return clockMs; }
void delay(unsigned long ms) { clockMs += ms; }
void randomSeed(unsigned long seed) { lcg = static_cast<uint32_t>(seed); }

long random(long lowest, long highest) {
  lcg = lcg * 1664525u + 1013904223u;
  return highest <= lowest ? lowest : lowest + static_cast<long>((lcg >> 8) % static_cast<uint32_t>(highest - lowest));
}

int main(int argc, char** argv) {
  unsigned long wanted = argc > 1 ? std::strtoul(argv[1], 0, 10) : 10;
  setup();
  while (lines < wanted) {
    loop();
    delay(10);
  }
  std::fflush(stdout);
  return 0;
}
