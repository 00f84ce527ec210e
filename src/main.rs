//! The `imconform` command: parses flags into one config per subcommand and calls the library.

mod cli;

/// The runner and the embedded emulator allocate on both runtime workers and free across
/// them; glibc's arenas then contend on their locks. mimalloc frees across threads without
/// one (`cargo bench --bench runner` measures with it, as shipped).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
