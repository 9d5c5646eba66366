#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| isched_schedule::fuzz_entry::catalog_json(data));
