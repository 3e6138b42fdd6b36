#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| boundlite_fuzz::page_damage(data));
