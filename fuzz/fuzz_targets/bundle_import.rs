#![no_main]

libfuzzer_sys::fuzz_target!(init: sonar_fuzz::prepare_import_suite(), |data: &[u8]| {
    sonar_fuzz::bundle_import(data);
});
