//! The command line, as data: each `tests/cmd/*.toml` gives the arguments,
//! standard input, expected output and exit status of one run.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
