//! The lexer: every token class, the edges of numbers, quotes, comments
//! and parameters, and exact coverage of the input.

extern crate std;

use std::vec::Vec;

use crate::sql::{Keyword, Lexer, Quoted, SqlErrorKind, TokenKind as K};

/// The kinds and texts of the tokens of `sql` (no whitespace or
/// comments), or a panic on a lexer error.
fn tokens(sql: &str) -> Vec<(K, &str)> {
    let mut lexer = Lexer::new(sql);
    let mut out = Vec::new();
    loop {
        let t = lexer.next_token().unwrap_or_else(|e| panic!("{sql}: {e}"));
        if t.kind == K::Eof {
            return out;
        }
        out.push((t.kind, t.text));
    }
}

/// The one token `sql` is.
fn one(sql: &str) -> K {
    match tokens(sql).as_slice() {
        [(kind, text)] => {
            assert_eq!(*text, sql);
            *kind
        }
        other => panic!("{sql}: {other:?}"),
    }
}

/// The lexer error at the first bad token of `sql`: offset and length.
fn bad(sql: &str) -> (usize, usize) {
    let mut lexer = Lexer::new(sql);
    loop {
        match lexer.next_token() {
            Ok(t) if t.kind == K::Eof => panic!("{sql}: no error"),
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e.kind(), SqlErrorKind::UnrecognizedToken, "{sql}");
                // After an error the lexer is finished.
                assert_eq!(lexer.next_token().map(|t| t.kind), Ok(K::Eof));
                return (e.offset(), e.len());
            }
        }
    }
}

#[test]
fn keywords_ignore_case_and_other_words_are_identifiers() {
    assert_eq!(one("select"), K::Keyword(Keyword::Select));
    assert_eq!(one("SeLeCt"), K::Keyword(Keyword::Select));
    assert_eq!(
        one("CURRENT_TIMESTAMP"),
        K::Keyword(Keyword::CurrentTimestamp)
    );
    assert_eq!(one("temporary"), K::Keyword(Keyword::Temporary));
    for word in [
        "abc", "_x", "a$b", "a1", "selects", "true", "rowid", "ünï", "€", "window",
    ] {
        assert_eq!(one(word), K::Id, "{word}");
    }
    assert_eq!(Keyword::lookup("x"), None);
    assert_eq!(Keyword::lookup("current_timestampx"), None);
    assert_eq!(Keyword::Autoincrement.as_str(), "AUTOINCREMENT");
}

#[test]
fn quoted_identifiers_and_strings() {
    assert_eq!(one("\"a\"\"b\""), K::QuotedId);
    assert_eq!(Quoted::new("\"a\"\"b\""), "a\"b");
    assert_eq!(one("[a b]"), K::QuotedId);
    assert_eq!(Quoted::new("[a b]"), "a b");
    assert_eq!(one("`x``y`"), K::QuotedId);
    assert_eq!(Quoted::new("`x``y`"), "x`y");
    assert_eq!(one("'it''s'"), K::String);
    assert_eq!(Quoted::new("'it''s'"), "it's");
    assert_eq!(Quoted::new("'it''s'").as_str(), None);
    assert_eq!(Quoted::new("''").as_str(), Some(""));
    assert_eq!(one("''''"), K::String);
    assert_eq!(Quoted::new("''''"), "'");
    // Brackets have no escape: the first `]` closes.
    assert_eq!(bad("[a]]"), (3, 1));
    assert_eq!(tokens("[a\"b]"), [(K::QuotedId, "[a\"b]")]);
    assert_eq!(bad("SELECT 'abc"), (7, 4));
    assert_eq!(bad("\"abc"), (0, 4));
    assert_eq!(bad("[abc"), (0, 4));
    assert_eq!(bad("`a``"), (0, 4));
    assert_eq!(bad("'a''"), (0, 4));
}

#[test]
fn blobs() {
    assert_eq!(one("x'0a'"), K::Blob);
    assert_eq!(one("X'AbCd'"), K::Blob);
    assert_eq!(one("x''"), K::Blob);
    assert_eq!(bad("x'abc'"), (0, 6));
    assert_eq!(bad("x'zz' 1"), (0, 5));
    assert_eq!(bad("x'00"), (0, 4));
    assert_eq!(one("x"), K::Id);
    assert_eq!(one("xyz"), K::Id);
    let blob = crate::sql::HexBlob::new("X'00fF7e'");
    assert!(blob.bytes().eq([0, 255, 0x7e]));
    assert_eq!(
        blob.to_vec_in(crate::alloc::Global).unwrap(),
        [0, 255, 0x7e]
    );
}

#[test]
fn numbers() {
    for n in ["0", "123", "0x1F", "0X1f", "007"] {
        assert_eq!(one(n), K::Integer, "{n}");
    }
    for n in [
        "1.5", ".5", "1.", "1e10", "1.5E-3", ".5e3", "1e+5", "1.e5", "0.0",
    ] {
        assert_eq!(one(n), K::Float, "{n}");
    }
    assert_eq!(bad("0x"), (0, 2));
    assert_eq!(bad("0xg"), (0, 3));
    assert_eq!(bad("1abc"), (0, 4));
    assert_eq!(bad("1e"), (0, 2));
    assert_eq!(bad("1e-"), (0, 2));
    assert_eq!(bad("1.5x"), (0, 4));
    assert_eq!(bad("0x1g"), (0, 4));
    assert_eq!(tokens("1.5.5"), [(K::Float, "1.5"), (K::Float, ".5")]);
    assert_eq!(tokens("a.b"), [(K::Id, "a"), (K::Dot, "."), (K::Id, "b")]);
    assert_eq!(
        tokens("1-2"),
        [(K::Integer, "1"), (K::Minus, "-"), (K::Integer, "2")]
    );
}

#[test]
fn parameters() {
    for p in [
        "?", "?1", "?0123", ":name", "@name", "$name", "$a::b", "$a(x y", ":1",
    ] {
        if p == "$a(x y" {
            assert_eq!(bad(p), (0, 4));
        } else {
            assert_eq!(one(p), K::Variable, "{p}");
        }
    }
    assert_eq!(one("$a::b(c)"), K::Variable);
    assert_eq!(tokens("?1?2"), [(K::Variable, "?1"), (K::Variable, "?2")]);
    assert_eq!(bad(":"), (0, 1));
    assert_eq!(bad("@ x"), (0, 1));
    assert_eq!(bad("$"), (0, 1));
}

#[test]
fn operators() {
    let cases = [
        ("||", K::Concat),
        ("*", K::Star),
        ("/", K::Slash),
        ("%", K::Percent),
        ("+", K::Plus),
        ("-", K::Minus),
        ("<<", K::ShiftLeft),
        (">>", K::ShiftRight),
        ("&", K::BitAnd),
        ("|", K::BitOr),
        ("<", K::Lt),
        ("<=", K::Le),
        (">", K::Gt),
        (">=", K::Ge),
        ("=", K::Eq),
        ("==", K::Eq),
        ("!=", K::Ne),
        ("<>", K::Ne),
        ("~", K::BitNot),
        (".", K::Dot),
        (",", K::Comma),
        (";", K::Semicolon),
        ("(", K::LeftParen),
        (")", K::RightParen),
        ("->", K::Arrow),
        ("->>", K::Arrow2),
    ];
    for (text, kind) in cases {
        assert_eq!(one(text), kind, "{text}");
    }
    assert_eq!(
        tokens("a||b"),
        [(K::Id, "a"), (K::Concat, "||"), (K::Id, "b")]
    );
    assert_eq!(tokens("<=>"), [(K::Le, "<="), (K::Gt, ">")]);
    assert_eq!(tokens("==="), [(K::Eq, "=="), (K::Eq, "=")]);
    assert_eq!(bad("a ! b"), (2, 1));
    assert_eq!(bad("a # b"), (2, 1));
    assert_eq!(bad("a \u{0} b"), (2, 1));
    assert_eq!(bad("^"), (0, 1));
}

#[test]
fn comments_and_whitespace() {
    assert_eq!(tokens(" \t\n\r\u{b}\u{c}a"), [(K::Id, "a")]);
    assert_eq!(tokens("a -- comment\nb"), [(K::Id, "a"), (K::Id, "b")]);
    assert_eq!(tokens("a -- to the end"), [(K::Id, "a")]);
    assert_eq!(tokens("a /* b */ c"), [(K::Id, "a"), (K::Id, "c")]);
    // Block comments do not nest: the first `*/` ends one.
    assert_eq!(
        tokens("/* a /* b */ c */"),
        [(K::Id, "c"), (K::Star, "*"), (K::Slash, "/")]
    );
    assert_eq!(tokens("/* a -- b */ c"), [(K::Id, "c")]);
    assert_eq!(tokens("-- a /* b\n c"), [(K::Id, "c")]);
    // An unclosed block comment runs to the end, as in SQLite.
    assert_eq!(tokens("a /* never closed"), [(K::Id, "a")]);
    assert_eq!(
        tokens("a /*"),
        [(K::Id, "a"), (K::Slash, "/"), (K::Star, "*")]
    );
    assert_eq!(tokens("a /* "), [(K::Id, "a")]);
    assert_eq!(tokens("a/"), [(K::Id, "a"), (K::Slash, "/")]);
    assert_eq!(tokens("a-"), [(K::Id, "a"), (K::Minus, "-")]);
    assert_eq!(tokens("/**/a"), [(K::Id, "a")]);
    assert_eq!(tokens("/*/ a */b"), [(K::Id, "b")]);
}

#[test]
fn raw_tokens_cover_the_input_exactly() {
    let sql = "SELECT a.\"b\" , 'x''y' -- c\n/* d */FROM [t] WHERE ?1>=x'00'+.5e1;";
    let mut lexer = Lexer::new(sql);
    let mut rebuilt = std::string::String::new();
    let mut end = 0;
    loop {
        let t = lexer.next_raw().unwrap();
        assert_eq!(t.offset, end, "a gap before {t:?}");
        assert_eq!(sql.get(t.offset..t.end()), Some(t.text));
        if t.kind == K::Eof {
            break;
        }
        end = t.end();
        rebuilt.push_str(t.text);
    }
    assert_eq!(rebuilt, sql);
    assert!(
        tokens(sql)
            .iter()
            .all(|(k, _)| !matches!(k, K::Space | K::Comment))
    );
}
