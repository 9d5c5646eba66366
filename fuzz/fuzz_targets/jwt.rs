#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| isched_auth::fuzz_entry::jwt(data));
