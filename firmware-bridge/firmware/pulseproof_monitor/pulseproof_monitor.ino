// PulseProof reference monitor: a bedside monitor that sends one reading a second on the serial
// port in PulseProof serial frame v1 (docs/serial-protocol.md), for the firmware-bridge to publish.
//
// The sensors are simulated (slowly varying vitals with noise) so the sketch runs on any board;
// a real device replaces readVitals() with its sensor drivers and keeps everything else.
// The frame encoder (pp_frame.h/.cpp) is plain C++11 and unit-tested on the host.
#include "pp_frame.h"

#if defined(ARDUINO_ARCH_AVR)
#include <EEPROM.h>
#endif

namespace {

const char kDeviceId[] = "bed-12-monitor";
const unsigned long kBaud = 115200;
const unsigned long kPeriodMs = 1000;
// Without an RTC the device clock is "epoch at boot + millis()". A real device sets this from its
// RTC or GPS; ingest flags readings whose clock drifts.
const uint64_t kEpochAtBootMs = 1795000000000ULL;

// `seq` must increase across restarts too (contracts: (deviceId, seq) identifies a reading), so
// the high 32 bits are a boot counter kept in EEPROM where the board has one.
uint64_t seq = 0;
unsigned long lastSentMs = 0;
bool sentOnce = false;

uint32_t nextBootCount() {
#if defined(ARDUINO_ARCH_AVR)
  uint32_t boots = 0;
  EEPROM.get(0, boots);
  boots = boots == 0xFFFFFFFFUL ? 0 : boots + 1;  // erased EEPROM reads as all ones
  EEPROM.put(0, boots);
  return boots;
#else
  return 0;  // other boards: keep the counter in their own non-volatile store (NVS, flash, FRAM)
#endif
}

// Values in thousandths of the catalogue unit (packages/contracts/src/measurements.ts).
struct Vitals {
  int32_t heartRate = 78000;      // /min
  int32_t spo2 = 97000;           // %
  int32_t respiratoryRate = 16000;  // /min
  int32_t systolic = 122000;      // mm[Hg]
  int32_t diastolic = 79000;      // mm[Hg]
  int32_t temperature = 36800;    // Cel
};

Vitals vitals;

// A bounded random walk: each value drifts by at most `step` and stays within [low, high].
int32_t drift(int32_t value, int32_t step, int32_t low, int32_t high) {
  value += static_cast<int32_t>(random(-step, step + 1));
  return value < low ? low : value > high ? high : value;
}

void readVitals() {
  vitals.heartRate = drift(vitals.heartRate, 1000, 60000, 100000);
  vitals.spo2 = drift(vitals.spo2, 1000, 94000, 100000);
  vitals.respiratoryRate = drift(vitals.respiratoryRate, 1000, 12000, 20000);
  vitals.systolic = drift(vitals.systolic, 2000, 105000, 140000);
  vitals.diastolic = drift(vitals.diastolic, 1000, 65000, 90000);
  vitals.temperature = drift(vitals.temperature, 25, 36100, 37400);
}

void sendReading(unsigned long nowMs) {
  readVitals();
  // Monitors report whole beats, breaths, percent and mmHg; temperature keeps its 3 decimals.
  const pp::Measurement measurements[] = {
      {"heart_rate", vitals.heartRate / 1000 * 1000},
      {"spo2", vitals.spo2 / 1000 * 1000},
      {"respiratory_rate", vitals.respiratoryRate / 1000 * 1000},
      {"systolic_bp", vitals.systolic / 1000 * 1000},
      {"diastolic_bp", vitals.diastolic / 1000 * 1000},
      {"temperature", vitals.temperature},
  };
  char frame[pp::kMaxFrameBytes + 1];
  size_t length = pp::encodeFrame(frame, sizeof frame, kDeviceId, seq, kEpochAtBootMs + nowMs, measurements,
                                  sizeof measurements / sizeof measurements[0]);
  if (length == 0) return;  // cannot happen with the constants above; never send a broken frame
  Serial.write(reinterpret_cast<const uint8_t*>(frame), length);
  seq++;
}

}  // namespace

void setup() {
  Serial.begin(kBaud);
  seq = static_cast<uint64_t>(nextBootCount()) << 32;
  randomSeed(42);
}

void loop() {
  unsigned long now = millis();
  // Unsigned subtraction keeps the period right across the millis() wrap after 49.7 days.
  if (sentOnce && now - lastSentMs < kPeriodMs) return;
  lastSentMs = sentOnce ? lastSentMs + kPeriodMs : now;
  sentOnce = true;
  sendReading(now);
}
