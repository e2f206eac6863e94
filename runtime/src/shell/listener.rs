//! The listening socket: resolving and checking the address (loopback, unless clients must
//! authenticate or `--shell-allow-remote`), and the accept loop: a task per connection that
//! takes it through the gate, then starts its session if the client limit allows.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::rc::Rc;
use std::time::Duration;

use smol::LocalExecutor;
use smol::future::FutureExt as _;
use smol::net::{TcpListener, TcpStream};

use super::{Ctx, auth, program};

/// Binds `addr` (`host:port`). Returns the listener and whether it is reachable from other hosts.
///
/// # Errors
/// The address not resolving, not being loopback without `allow_remote` (clients authenticate,
/// or `--shell-allow-remote`), or the bind failing.
pub fn bind(addr: &str, allow_remote: bool) -> Result<(std::net::TcpListener, bool), String> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| format!("Lua shell address {addr}: {e}"))?
        .collect();
    let remote = addrs.iter().any(|a| !a.ip().is_loopback());
    if remote && !allow_remote {
        return Err(format!(
            "Lua shell address {addr} is not loopback: anyone who can reach it could run any Lua \
             code (os.execute included) as this process; make clients authenticate with \
             --shell-token-file PATH (or $PKTGEN_SHELL_TOKEN) or --shell-tls-client-ca, or add \
             --shell-allow-remote to listen there without authentication"
        ));
    }
    let l = std::net::TcpListener::bind(&addrs[..])
        .map_err(|e| format!("Lua shell cannot listen on {addr}: {e}"))?;
    Ok((l, remote))
}

/// Takes one connection through the gate, then serves it if the client limit allows.
async fn connection(ctx: Rc<Ctx>, stream: TcpStream, peer: SocketAddr) {
    let Some(conn) = auth::admit(&ctx, stream, peer).await else {
        return;
    };
    if ctx.active.get() >= ctx.max_clients {
        let max = ctx.max_clients;
        conn.refuse(&format!(
            "pktgen shell: too many clients ({max} connected, --shell-max-clients); try again later"
        ))
        .await;
        return;
    }
    ctx.active.set(ctx.active.get() + 1);
    let slot = Slot(Rc::clone(&ctx));
    program::serve(ctx, conn).await;
    drop(slot);
}

/// Counts a session for the client limit for as long as it lives.
struct Slot(Rc<Ctx>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.active.set(self.0.active.get() - 1);
    }
}

/// Accepts clients until the shell closes, one task per client on `ex`.
pub async fn accept_loop(ctx: Rc<Ctx>, listener: TcpListener, ex: Rc<LocalExecutor<'static>>) {
    loop {
        let accepted = async { Some(listener.accept().await) }
            .or(async {
                ctx.closing.wait().await;
                None
            })
            .await;
        let Some(accepted) = accepted else { return };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // EMFILE and friends: say so once per failure and back off instead of spinning.
                eprintln!("pktgen: Lua shell: accept failed: {e}");
                smol::Timer::after(Duration::from_millis(100)).await;
                continue;
            }
        };
        ex.spawn(connection(Rc::clone(&ctx), stream, peer)).detach();
    }
}
