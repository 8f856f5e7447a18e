//! `vaudit about`: the quickest proof that URL, trust and credentials work.

use comfy_table::{Table, presets::NOTHING};
use serde::Serialize;

use super::args::AboutArgs;
use super::connection::Connection;
use super::error::Error;
use super::output;
use crate::report::{self, Document, Format, VCenter};

#[derive(Serialize)]
struct Nothing {}

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
    match format {
        Format::Json => report::print_json(&Document::new(vc, None, vec![], vec![], Nothing {}))?,
        _ => {
            let mut t = Table::new();
            t.load_style(NOTHING);
            for (k, v) in [
                ("vCenter", vc.url.as_str()),
                ("Product", vc.product.as_str()),
                ("Version", &format!("{} (build {})", vc.version, vc.build)),
                ("API version", vc.api_version.as_str()),
                ("Instance UUID", vc.instance_uuid.as_str()),
                ("User", vc.user.as_str()),
            ] {
                t.add_row(vec![k, v]);
            }
            println!("{}", crate::report::table::render(&t));
        }
    }
    Ok(0)
}
