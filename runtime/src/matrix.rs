//! Pktgen's `-m` lcore-to-port matrix: `<lcores>.<ports> {, <lcores>.<ports>}`, each side a
//! list (`1`, `1/3`, `4-5`, `2/4-5`) or `[rx:tx]` (`{}` may replace `[]`). Parsed here into the
//! engine's entries; the engine checks them against EAL's lcores and the ports.

use engine::MatrixEntry;

/// Parses one `-m` value (several items separated by commas).
///
/// # Errors
/// A message naming the item and what is wrong with it.
pub fn parse(s: &str) -> Result<Vec<MatrixEntry>, String> {
    let items: Vec<&str> = split_items(s);
    if items.iter().all(|i| i.trim().is_empty()) {
        return Err(format!("-m {s:?}: no <lcores>.<ports> item"));
    }
    items.into_iter().map(|i| item(i.trim())).collect()
}

/// Splits at commas outside brackets (`[1-2:3].0, 4.1`).
fn split_items(s: &str) -> Vec<&str> {
    let (mut depth, mut from, mut out) = (0i32, 0, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[from..]);
    out
}

fn item(token: &str) -> Result<MatrixEntry, String> {
    let bad = |why: &str| {
        format!("-m {token}: {why}; expected <lcores>.<ports>, e.g. 1.0, [1:2].0, [1-2:3-4].[0-1]")
    };
    let dot = close_of(token).map_or_else(|| token.find('.'), |end| token[end..].find('.').map(|d| end + d));
    let Some(dot) = dot else {
        return Err(bad("no '.' between the lcores and the ports"));
    };
    let (l, p) = (&token[..dot], &token[dot + 1..]);
    let (rx_lcores, tx_lcores) = side(l).map_err(|w| bad(&format!("lcores {l:?}: {w}")))?;
    let (rx_ports, tx_ports) = side(p).map_err(|w| bad(&format!("ports {p:?}: {w}")))?;
    let port = |v: Vec<u32>| -> Result<Vec<u16>, String> {
        v.into_iter()
            .map(|x| u16::try_from(x).map_err(|_| bad(&format!("port {x} is too large"))))
            .collect()
    };
    Ok(MatrixEntry {
        token: token.to_string(),
        rx_lcores,
        tx_lcores,
        rx_ports: port(rx_ports)?,
        tx_ports: port(tx_ports)?,
    })
}

/// The index just past the bracket group a token starts with, if it starts with one.
fn close_of(s: &str) -> Option<usize> {
    let close = match s.chars().next()? {
        '[' => ']',
        '{' => '}',
        _ => return None,
    };
    s.find(close).map(|i| i + 1)
}

/// One side: a plain list serves both directions, `[rx:tx]` each its own, `[list]` both.
fn side(s: &str) -> Result<(Vec<u32>, Vec<u32>), String> {
    let s = s.trim();
    let inner = match (s.chars().next(), s.chars().last()) {
        (Some('['), Some(']')) | (Some('{'), Some('}')) if s.len() >= 2 => &s[1..s.len() - 1],
        (Some('[' | '{'), _) => return Err("an unclosed bracket".into()),
        _ => {
            let v = list(s)?;
            return Ok((v.clone(), v));
        }
    };
    match inner.split_once(':') {
        Some((rx, tx)) => Ok((list(rx)?, list(tx)?)),
        None => {
            let v = list(inner)?;
            Ok((v.clone(), v))
        }
    }
}

/// `1`, `1/3`, `4-5`, `2/4-5`: numbers and ranges separated by '/'.
fn list(s: &str) -> Result<Vec<u32>, String> {
    let mut v = Vec::new();
    for part in s.split('/') {
        let part = part.trim();
        let num = |t: &str| {
            t.trim()
                .parse::<u32>()
                .map_err(|_| format!("{t:?} is not a number"))
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(format!("range {part} goes down"));
                }
                v.extend(a..=b);
            }
            None if part.is_empty() => return Err("an empty list".into()),
            None => v.push(num(part)?),
        }
    }
    v.dedup();
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (rx lcores, tx lcores, rx ports, tx ports) of each item.
    type Shape = (Vec<u32>, Vec<u32>, Vec<u16>, Vec<u16>);

    fn shape(s: &str) -> Vec<Shape> {
        parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .into_iter()
            .map(|e| (e.rx_lcores, e.tx_lcores, e.rx_ports, e.tx_ports))
            .collect()
    }

    fn v<T: Clone>(x: &[T]) -> Vec<T> {
        x.to_vec()
    }

    #[test]
    fn pktgen_examples() {
        assert_eq!(
            shape("1.0, 2.1"),
            [
                (v(&[1]), v(&[1]), v(&[0]), v(&[0])),
                (v(&[2]), v(&[2]), v(&[1]), v(&[1]))
            ]
        );
        assert_eq!(
            shape("1.[0-2]"),
            [(v(&[1]), v(&[1]), v(&[0, 1, 2]), v(&[0, 1, 2]))]
        );
        assert_eq!(shape("[0-1].0"), [(v(&[0, 1]), v(&[0, 1]), v(&[0]), v(&[0]))]);
        assert_eq!(shape("[1:2].0"), [(v(&[1]), v(&[2]), v(&[0]), v(&[0]))]);
        assert_eq!(shape("[1:2-3].0"), [(v(&[1]), v(&[2, 3]), v(&[0]), v(&[0]))]);
        assert_eq!(
            shape("[1-2:3-5].0, [4-5:6/8].1"),
            [
                (v(&[1, 2]), v(&[3, 4, 5]), v(&[0]), v(&[0])),
                (v(&[4, 5]), v(&[6, 8]), v(&[1]), v(&[1]))
            ]
        );
        assert_eq!(shape("[1:2].[0-1]"), [(v(&[1]), v(&[2]), v(&[0, 1]), v(&[0, 1]))]);
        assert_eq!(
            shape("{1:2}.{0:0-7}"),
            [(v(&[1]), v(&[2]), v(&[0]), v(&[0, 1, 2, 3, 4, 5, 6, 7]))]
        );
        assert_eq!(
            shape("2/4-5.1"),
            [(v(&[2, 4, 5]), v(&[2, 4, 5]), v(&[1]), v(&[1]))]
        );
        assert_eq!(
            parse("[1:2].0").map(|e| e[0].token.clone()),
            Ok("[1:2].0".to_string())
        );
    }

    #[test]
    fn bad_items_are_named() {
        for (m, want) in [
            ("1", "-m 1: no '.'"),
            ("[1:2.0", "-m [1:2.0"),
            ("x.0", "\"x\" is not a number"),
            ("3-1.0", "range 3-1 goes down"),
            ("1.0, [2:].1", "-m [2:].1: lcores \"[2:]\": an empty list"),
            ("1.70000", "port 70000 is too large"),
            ("", "no <lcores>.<ports> item"),
        ] {
            let e = parse(m).err().unwrap_or_default();
            assert!(e.contains(want), "{m}: {e}");
        }
    }
}
