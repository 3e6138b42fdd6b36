#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| boundlite_fuzz::mvcc_log_read(data));
