//! What the firmware needs of the board: printing and exiting through
//! semihosting, and the handlers that turn a panic, a HardFault or a
//! global allocation into a failed exit.

use core::alloc::{GlobalAlloc, Layout};
use core::fmt::{Arguments, Display};
use core::panic::PanicInfo;

use cortex_m_rt::{ExceptionFrame, exception};
use cortex_m_semihosting::debug::{self, EXIT_FAILURE, EXIT_SUCCESS};
use cortex_m_semihosting::hprintln;

/// Prints one line on the host's standard output.
pub fn say(line: Arguments<'_>) {
    hprintln!("{}", line);
}

/// Ends the program (QEMU exits with 0 or 1).
pub fn exit(success: bool) -> ! {
    debug::exit(if success { EXIT_SUCCESS } else { EXIT_FAILURE });
    // Without a debugger attached the exit call returns: nothing is left
    // to do but wait.
    loop {
        cortex_m::asm::wfi();
    }
}

/// Prints why the program fails, and exits with failure.
pub fn fail(why: impl Display) -> ! {
    hprintln!("FAILED: {}", why);
    exit(false)
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    fail(format_args!("panic: {info}"))
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    fail(format_args!("HardFault at pc {:#010x}", frame.pc()))
}

/// A global allocator that refuses every request: the engine takes all its
/// memory from the arenas it is handed, and a global allocation would be
/// a bug this makes loud.
struct NoGlobalHeap;

// SAFETY: `alloc` never hands out memory, so no contract about the memory
// handed out can be broken; `dealloc` is never reached with a valid block.
unsafe impl GlobalAlloc for NoGlobalHeap {
    unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
        core::ptr::null_mut()
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static GLOBAL: NoGlobalHeap = NoGlobalHeap;
