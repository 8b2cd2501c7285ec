#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sonar_fuzz::rules(data));
