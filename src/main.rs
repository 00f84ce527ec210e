//! The `imconform` command: parses flags into one config per subcommand and calls the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
