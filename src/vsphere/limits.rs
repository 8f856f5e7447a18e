//! How much one read may bring in. Kept apart from the collector that pages
//! by it, since the transport carries the same bounds for every other call.

/// How much one collection pass (and any other paged read) may read. A server whose cursor never ends
/// (a token on every page) or that sends the inventory of a much larger
/// vCenter would otherwise keep vaudit paging, and its memory growing, for
/// as long as it likes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_objects: usize,
    pub max_pages: usize,
}

impl Limits {
    /// vSphere's configuration maximums stop at 50,000 VMs and 5,000 hosts
    /// per vCenter; with folders, pools, datastores and networks that is
    /// well under 250,000 objects, and under 500 pages of 1,000 objects.
    pub const DEFAULT_MAX_OBJECTS: usize = 250_000;

    /// Pages scale with objects: a server may send short pages, never
    /// empty ones forever.
    pub fn with_max_objects(max_objects: usize) -> Limits {
        Limits {
            max_objects,
            max_pages: (max_objects / 500).max(500),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::with_max_objects(Self::DEFAULT_MAX_OBJECTS)
    }
}
