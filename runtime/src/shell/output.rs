//! A client's writer: sends what its chunks put in the [`OutBuf`] as soon as the executor is
//! free (at every yield and after every chunk), so a long scenario's `printf`s arrive as they
//! happen. Clients that ended their lines with CR LF (telnet) get CR LF back.

use std::rc::Rc;

use smol::io::AsyncWriteExt as _;

use super::conn::Writer;
use crate::lua::output::OutBuf;

/// LF to CR LF, leaving existing CR LF pairs alone. `prev_cr`: the last byte sent was CR.
fn to_crlf(data: &[u8], prev_cr: bool) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + data.len() / 16);
    let mut cr = prev_cr;
    for &b in data {
        if b == b'\n' && !cr {
            v.push(b'\r');
        }
        v.push(b);
        cr = b == b'\r';
    }
    v
}

/// Writes `out` to `stream` until `done()` says the session is over and everything was sent, or
/// a write fails (the client is gone: `out` is marked broken so its chunk stops). Each write is
/// flushed: TLS may hold bytes back until then.
pub async fn write_loop(
    stream: &mut Writer,
    out: Rc<OutBuf>,
    crlf: impl Fn() -> bool,
    done: impl Fn() -> bool,
) {
    let mut prev_cr = false;
    loop {
        let data = out.take();
        if data.is_empty() {
            if done() || out.is_broken() {
                break;
            }
            out.changed().await;
            continue;
        }
        let data = if crlf() { to_crlf(&data, prev_cr) } else { data };
        prev_cr = data.last() == Some(&b'\r');
        if stream.write_all(&data).await.is_err() || stream.flush().await.is_err() {
            out.set_broken();
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_conversion() {
        assert_eq!(to_crlf(b"a\nb\r\nc", false), b"a\r\nb\r\nc");
        assert_eq!(to_crlf(b"\n", true), b"\n");
        assert_eq!(to_crlf(b"\n", false), b"\r\n");
    }
}
