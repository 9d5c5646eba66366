#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| isched::fuzz_entry::config_toml(data));
