//! `vaudit about`: the quickest proof that URL, trust and credentials work.

use super::args::AboutArgs;
use super::connection::Connection;
use super::error::Error;
use super::output;
use crate::report::listing::AboutPage;
use crate::report::{self, VCenter, exit};

pub async fn run(args: &AboutArgs) -> Result<u8, Error> {
    let format = output::resolve("about", args.output.output)?;
    let conn = Connection::resolve(&args.connection)?;
    let vc = conn
        .with_session(async |client| {
            Ok(VCenter::new(
                conn.options.url.as_str(),
                client,
                conn.options.insecure,
            ))
        })
        .await?;
    report::emit::print(format, &AboutPage(&vc))?;
    Ok(exit::SUCCESS)
}
