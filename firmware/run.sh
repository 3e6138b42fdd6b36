#!/usr/bin/env bash
# Builds the firmware in release, prints its flash size, and runs it under
# QEMU's mps2-an386 (Cortex-M4) with semihosting; then the same with the
# `power-cuts` feature (the crash sweep on a FaultPlatform). Exits non-zero
# when either firmware does. Installs what it needs: qemu-system-arm from
# apt, the thumbv7em-none-eabihf target from rustup.
set -euo pipefail
cd "$(dirname "$0")"

target=thumbv7em-none-eabihf
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
elf="$CARGO_TARGET_DIR/$target/release/boundlite-firmware"

if ! command -v qemu-system-arm >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-arm >/dev/null
fi
if ! rustup target list --installed | grep -qx "$target"; then
  rustup target add "$target"
fi
size_tool=$(command -v llvm-size || command -v arm-none-eabi-size || command -v size)

# Flash: what the image stores, .text + .rodata + .data, and the vector
# table (1 KiB) without which the code cannot start.
flash_size() {
  "$size_tool" -A "$elf" | awk '
    $1 == ".vector_table" || $1 == ".text" || $1 == ".rodata" || $1 == ".data" {
      printf "%-14s %9d bytes\n", $1, $2; flash += $2
    }
    $1 == ".bss" || $1 == ".uninit" { printf "%-14s %9d bytes (RAM, not flash)\n", $1, $2 }
    END { printf "flash size     %9d bytes (%.1f KiB)\n", flash, flash / 1024 }'
}

# Runs the image under QEMU; the firmware's exit status is QEMU's.
run() {
  local start end status=0
  start=$(date +%s.%N)
  timeout 300 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
    -monitor none -serial none -semihosting-config enable=on,target=native \
    -kernel "$elf" || status=$?
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "QEMU ran %.1f s\n", e - s }' >&2
  if [ "$status" -ne 0 ]; then
    echo "firmware failed (status $status)" >&2
  fi
  return "$status"
}

echo "== the firmware"
cargo build --release --locked
flash_size
run

echo "== the firmware with the power-cut sweep (a second copy of the engine, for FaultPlatform)"
cargo build --release --locked --features power-cuts
flash_size
run
