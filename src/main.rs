fn main() -> std::process::ExitCode {
    standin::cli::main()
}
