// Host test of the firmware frame encoder (g++, C++11, no dependencies). Run by
// firmware-bridge/src/firmware.spec.ts, which turns test-vectors/frames.json into the tab-separated
// file this program reads, and decodes what `--emit` prints with the TypeScript FrameDecoder.
//
//   frame_test <vectors.tsv>        check the encoder byte for byte against every canonical vector
//   frame_test --emit <seed> <n>    print n random readings, each as an "R" line and then its frame
//
// Vector line: name \t deviceId \t seq \t ts \t code=milli;code=milli... \t frame (without \r\n)
#include <stdint.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "pp_frame.h"

namespace {

int failures = 0;

void fail(const std::string& name, const std::string& what) {
  std::cerr << "FAIL " << name << ": " << what << "\n";
  failures++;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) parts.push_back(part);
  return parts;
}

struct Reading {
  std::string deviceId;
  uint64_t seq;
  uint64_t ts;
  std::vector<std::string> codes;
  std::vector<pp::Measurement> measurements;
};

std::string encode(const Reading& r) {
  char out[pp::kMaxFrameBytes + 1];
  size_t n = pp::encodeFrame(out, sizeof out, r.deviceId.c_str(), r.seq, r.ts, r.measurements.data(), r.measurements.size());
  return std::string(out, n);
}

void checkCrc() {
  const char* check = "123456789";
  uint16_t crc = pp::crc16CcittFalse(reinterpret_cast<const uint8_t*>(check), std::strlen(check));
  if (crc != 0x29B1) fail("crc check value", "expected 29B1");
}

// What the encoder must refuse: it returns 0 and leaves an empty string.
void checkRefusals() {
  char out[pp::kMaxFrameBytes + 1];
  pp::Measurement hr[] = {{"heart_rate", 80000}};
  pp::Measurement bad[] = {{"Heart Rate", 80000}};
  if (pp::encodeFrame(out, sizeof out, "-bed", 1, 1, hr, 1) != 0) fail("refusal", "device id starting with -");
  if (pp::encodeFrame(out, sizeof out, "bed 1", 1, 1, hr, 1) != 0) fail("refusal", "device id with a space");
  if (pp::encodeFrame(out, sizeof out, "bed-1", 1, 1, hr, 0) != 0) fail("refusal", "no measurements");
  if (pp::encodeFrame(out, sizeof out, "bed-1", 1, 1, bad, 1) != 0) fail("refusal", "bad code");
  if (pp::encodeFrame(out, 20, "bed-1", 1, 1, hr, 1) != 0 || out[0] != '\0') fail("refusal", "buffer too small");
  pp::Measurement huge[] = {{"gps_longitude", pp::kMaxAbsMilli + 1}};
  if (pp::encodeFrame(out, sizeof out, "bed-1", 1, 1, huge, 1) != 0) fail("refusal", "13 integer digits");
  size_t n = pp::encodeFrame(out, sizeof out, "bed-1", 1, 1, hr, 1);
  if (n == 0 || std::strlen(out) != n) fail("encode", "length or NUL terminator");
}

int runVectors(const char* path) {
  std::ifstream file(path);
  if (!file) {
    std::cerr << "cannot open " << path << "\n";
    return 2;
  }
  std::string line;
  int checked = 0;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f = split(line, '\t');
    if (f.size() != 6) {
      fail(line, "vector line must have 6 tab-separated fields");
      continue;
    }
    Reading r;
    r.deviceId = f[1];
    r.seq = std::strtoull(f[2].c_str(), 0, 10);
    r.ts = std::strtoull(f[3].c_str(), 0, 10);
    std::vector<std::string> pairs = split(f[4], ';');
    r.codes.reserve(pairs.size());  // keeps the c_str() pointers below stable
    for (size_t i = 0; i < pairs.size(); i++) {
      size_t eq = pairs[i].find('=');
      r.codes.push_back(pairs[i].substr(0, eq));
      pp::Measurement m = {r.codes.back().c_str(), static_cast<int64_t>(std::strtoll(pairs[i].c_str() + eq + 1, 0, 10))};
      r.measurements.push_back(m);
    }
    std::string expected = f[5] + "\r\n";
    std::string actual = encode(r);
    if (actual != expected) fail(f[0], "encoded\n  " + actual + "expected\n  " + expected);
    // The trailer is the CRC of the bytes strictly between `$` and `*`.
    size_t star = expected.rfind('*');
    uint16_t crc = pp::crc16CcittFalse(reinterpret_cast<const uint8_t*>(expected.data()) + 1, star - 1);
    if (crc != std::strtoul(expected.substr(star + 1, 4).c_str(), 0, 16)) fail(f[0], "CRC of the vector");
    checked++;
  }
  checkCrc();
  checkRefusals();
  if (failures > 0) return 1;
  std::cout << "frame_test: " << checked << " vectors ok\n";
  return 0;
}

// A small LCG (Numerical Recipes constants): the TypeScript side only needs the printed values.
uint32_t lcgState = 1;
uint32_t next() {
  lcgState = lcgState * 1664525u + 1013904223u;
  return lcgState >> 8;
}

int emit(uint32_t seed, int count) {
  static const char* const codes[] = {"heart_rate", "spo2", "respiratory_rate", "systolic_bp", "diastolic_bp",
                                      "temperature", "skin_temperature", "consciousness", "supplemental_oxygen", "battery",
                                      "motion", "gps_latitude", "gps_longitude"};
  const size_t codeCount = sizeof codes / sizeof codes[0];
  lcgState = seed;
  for (int i = 0; i < count; i++) {
    char deviceId[16];
    std::snprintf(deviceId, sizeof deviceId, "dev-%u", static_cast<unsigned>(next() % 1000));
    uint64_t seq = static_cast<uint64_t>(i) + (static_cast<uint64_t>(next() % 1000) << 32);
    uint64_t ts = 1795000000000ULL + static_cast<uint64_t>(i) * 1000;
    std::vector<pp::Measurement> ms;
    for (size_t c = 0; c < codeCount; c++) {
      if (next() % 3 != 0) continue;
      int64_t milli = static_cast<int64_t>(next() % 450000) - 50000;
      if (c >= 11) milli = (static_cast<int64_t>(next() % 360000001) - 180000000) * 1000;  // microdegrees
      if (next() % 2 == 0) milli -= milli % (next() % 2 == 0 ? 1000 : 10);  // trailing zeros to trim
      pp::Measurement m = {codes[c], milli};
      ms.push_back(m);
    }
    if (i == 0) {  // the largest magnitudes a value may have (12 integer digits, 3 decimals)
      pp::Measurement lowest = {codes[6], -pp::kMaxAbsMilli};
      pp::Measurement highest = {codes[9], pp::kMaxAbsMilli};
      ms.clear();
      ms.push_back(lowest);
      ms.push_back(highest);
    }
    if (ms.empty()) {
      pp::Measurement m = {codes[0], 70000};
      ms.push_back(m);
    }
    std::cout << "R\t" << deviceId << '\t' << seq << '\t' << ts << '\t';
    for (size_t m = 0; m < ms.size(); m++) std::cout << (m ? ";" : "") << ms[m].code << '=' << ms[m].milli;
    char out[pp::kMaxFrameBytes + 1];
    size_t n = pp::encodeFrame(out, sizeof out, deviceId, seq, ts, ms.data(), ms.size());
    std::cout << '\n' << std::string(out, n);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--emit") == 0) {
    return emit(static_cast<uint32_t>(std::strtoul(argv[2], 0, 10)), std::atoi(argv[3]));
  }
  if (argc == 2) return runVectors(argv[1]);
  std::cerr << "usage: frame_test <vectors.tsv> | frame_test --emit <seed> <count>\n";
  return 2;
}
