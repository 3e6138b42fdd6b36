//! The stack's high-water mark: the unused stack is painted with a pattern
//! at start, and at the end the deepest word no longer holding it shows how
//! far the stack grew.
//!
//! cortex-m-rt puts the stack at the top of RAM, growing down towards the
//! end of `.bss` (`__sheap`); nothing else uses the memory between.

use core::ptr::{addr_of, read_volatile, write_volatile};

/// What an untouched stack word holds.
const PAINT: u32 = 0x5AFE_C0DE;

/// Bytes below the stack pointer left unpainted: the painting loop's own
/// frame.
const MARGIN: usize = 256;

unsafe extern "C" {
    /// The end of `.bss` and `.uninit`: the lowest address the stack may
    /// reach.
    static __sheap: u32;
    /// The top of the stack.
    static _stack_start: u32;
}

fn low() -> usize {
    addr_of!(__sheap) as usize
}

/// Paints the stack from its lowest address to just below the current
/// stack pointer.
pub fn paint() {
    let end = (cortex_m::register::msp::read() as usize).saturating_sub(MARGIN);
    let mut at = low();
    while at + 4 <= end {
        // SAFETY: `at` is a word between the end of `.bss` and the stack
        // pointer: stack not in use, which no Rust object occupies.
        unsafe { write_volatile(at as *mut u32, PAINT) };
        at += 4;
    }
}

/// The most bytes of stack used since [`paint`].
pub fn peak() -> usize {
    let top = addr_of!(_stack_start) as usize;
    let mut at = low();
    // SAFETY: reads words between the end of `.bss` and the top of the
    // stack, all RAM the program owns.
    while at < top && unsafe { read_volatile(at as *const u32) } == PAINT {
        at += 4;
    }
    top - at
}
