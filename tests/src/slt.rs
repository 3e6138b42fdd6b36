//! Reading sqllogictest scripts: the parts both the `.slt` test and the
//! corpus runner read the same way.

/// The body of the record whose header line was just passed (`*at` is
/// the line after it): its SQL lines, up to a blank line or `----`, and
/// the expected result lines after `----`. `*at` ends past the record.
pub fn record_body(lines: &[&str], at: &mut usize) -> (String, Vec<String>) {
    let mut sql = Vec::new();
    while let Some(line) = lines.get(*at) {
        if line.trim().is_empty() || line.trim_end() == "----" {
            break;
        }
        sql.push(*line);
        *at += 1;
    }
    let mut expected = Vec::new();
    if lines.get(*at).is_some_and(|l| l.trim_end() == "----") {
        *at += 1;
        while let Some(line) = lines.get(*at) {
            if line.trim().is_empty() {
                break;
            }
            expected.push(line.trim_end().to_string());
            *at += 1;
        }
    }
    (sql.join("\n"), expected)
}

/// `bytes` as sqllogictest prints text: each byte outside printable
/// ASCII as `@`.
pub fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&c| {
            if (b' '..=b'~').contains(&c) {
                c as char
            } else {
                '@'
            }
        })
        .collect()
}
