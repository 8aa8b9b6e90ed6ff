fn main() -> std::process::ExitCode {
    standin::memory::limit_allocator_retention();
    standin::cli::main()
}
