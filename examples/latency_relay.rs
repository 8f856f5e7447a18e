//! A loopback TCP relay that delays every chunk by a fixed time in each
//! direction: a WAN between the management machine and the vCenter, for
//! `benches/wan.sh`. Bytes are relayed unchanged (TLS passes through), so
//! the certificate the client verifies is the server's own.
//!
//!     cargo run --release --example latency_relay -- LISTEN UPSTREAM DELAY_MS
//!
//! Prints the bound address on stdout once it accepts connections. Only
//! loopback addresses are accepted, so it can never carry traffic off the
//! machine. Stops when stdin closes.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

fn loopback(s: &str) -> SocketAddr {
    let a: SocketAddr = s.parse().unwrap_or_else(|_| panic!("{s} is not HOST:PORT"));
    assert!(a.ip().is_loopback(), "{a} is not a loopback address");
    a
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, listen, upstream, delay] = &args[..] else {
        eprintln!("usage: latency_relay LISTEN UPSTREAM DELAY_MS");
        std::process::exit(2);
    };
    let (listen, upstream) = (loopback(listen), loopback(upstream));
    let delay = Duration::from_millis(delay.parse().expect("DELAY_MS is a number"));
    let listener = TcpListener::bind(listen).await.expect("bind");
    println!("{}", listener.local_addr().expect("address"));
    std::thread::spawn(|| {
        // The parent holds stdin; its end is ours.
        use std::io::Read;
        let mut buf = [0u8; 64];
        while std::io::stdin()
            .read(&mut buf)
            .map(|n| n > 0)
            .unwrap_or(false)
        {}
        std::process::exit(0);
    });
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::join!(pipe(cr, sw, delay), pipe(sr, cw, delay));
        });
    }
}

/// Copies one direction, each chunk released `delay` after it was read
/// (a queue, so a burst is delayed once, not once per chunk).
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let due = tokio::time::Instant::now() + delay;
                if tx.send((due, buf[..n].to_vec())).is_err() {
                    break;
                }
            }
        }
    }
    drop(tx);
    let _ = writer.await;
}
