//! An answer that arrives in chunks, cut into its start (envelope, namespace
//! bindings, the response element) and runs of whole repeated elements
//! (`objects` of a page, `returnval` of a `QueryPerf`), so that each run can
//! be decoded behind the start and dropped: what is held is the start, one
//! chunk and one element being received, never the answer's text.
//!
//! A boundary found by its bytes is only a guess (a value could hold the
//! same text): callers decode the run and, if it does not decode, read the
//! rest whole (`take`), so the guess never changes the result.

pub(crate) struct Runs {
    buf: Vec<u8>,
    /// Where the first element of the runs started: the answer's start.
    head: Option<usize>,
    /// Where to look next for a boundary (before: none).
    scanned: usize,
    /// The end of the run `ready` last returned.
    end: usize,
    open: &'static [u8],
    close: &'static [u8],
}

impl Runs {
    /// Runs of the elements that start with `open` (`<objects>`, or
    /// `<returnval` for one with attributes) and end with `close`.
    pub(crate) fn new(open: &'static [u8], close: &'static [u8]) -> Runs {
        Runs {
            buf: Vec::new(),
            head: None,
            scanned: 0,
            end: 0,
            open,
            close,
        }
    }

    pub(crate) fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The answer's start followed by every whole element that has arrived
    /// since the last run consumed, when at least one has.
    pub(crate) fn ready(&mut self) -> Option<&[u8]> {
        let head = match self.head {
            Some(h) => h,
            None => match memchr::memmem::find(&self.buf, self.open) {
                Some(h) => {
                    self.head = Some(h);
                    self.scanned = h;
                    h
                }
                None => {
                    self.scanned = self.buf.len().saturating_sub(self.open.len());
                    return None;
                }
            },
        };
        let from = self.scanned.max(head);
        let Some(last) = memchr::memmem::rfind(&self.buf[from..], self.close) else {
            self.scanned = self.buf.len().saturating_sub(self.close.len()).max(head);
            return None;
        };
        self.end = from + last + self.close.len();
        Some(&self.buf[..self.end])
    }

    /// The run `ready` returned was decoded: its text is dropped.
    pub(crate) fn consume(&mut self) {
        if let Some(head) = self.head {
            self.buf.drain(head..self.end);
            self.scanned = head;
        }
    }

    /// Bytes received after the answer's start and not consumed: the
    /// element being received (and what follows the last run).
    pub(crate) fn pending(&self) -> usize {
        self.buf.len() - self.head.unwrap_or(self.buf.len())
    }

    /// Bytes held, the start included.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.buf.len()
    }

    /// What is held: the start and the rest not consumed, to decode whole.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        let (open, close) = (self.open, self.close);
        std::mem::replace(self, Runs::new(open, close)).buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_the_start_and_the_whole_elements_arrived() {
        let mut r = Runs::new(b"<o>", b"</o>");
        r.push(b"<r><o>1</o><o>2");
        assert_eq!(r.ready(), Some(&b"<r><o>1</o>"[..]));
        r.consume();
        assert_eq!(r.pending(), 4, "the element being received is held");
        r.push(b"</o></r>");
        assert_eq!(r.ready(), Some(&b"<r><o>2</o>"[..]));
        r.consume();
        assert_eq!(r.take(), b"<r></r>");
    }

    #[test]
    fn a_boundary_split_across_chunks_is_found() {
        let mut r = Runs::new(b"<o>", b"</o>");
        r.push(b"<r><");
        assert_eq!(r.ready(), None);
        r.push(b"o>1</");
        assert_eq!(r.ready(), None);
        r.push(b"o>");
        assert_eq!(r.ready(), Some(&b"<r><o>1</o>"[..]));
    }
}
