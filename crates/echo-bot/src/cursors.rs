//! The last seq seen of each conversation: what `sync` resumes from. Optionally kept in a
//! JSON file (written to a temporary file, then renamed over the old one).

use anyhow::Context;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Cursors {
    seqs: BTreeMap<String, i64>,
    file: Option<PathBuf>,
}

impl Cursors {
    pub fn in_memory() -> Self {
        Self {
            seqs: BTreeMap::new(),
            file: None,
        }
    }

    /// The cursors saved in `path`; none when it does not exist yet.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let mut seqs = BTreeMap::new();
        match std::fs::read(path) {
            Ok(bytes) => {
                let saved: Map<String, Value> = serde_json::from_slice(&bytes)
                    .with_context(|| format!("reading cursors from {}", path.display()))?;
                for (conversation, seq) in saved {
                    if let Some(seq) = seq.as_i64() {
                        seqs.insert(conversation, seq);
                    }
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error).with_context(|| format!("reading {}", path.display()));
            }
        }
        Ok(Self {
            seqs,
            file: Some(path.to_owned()),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.seqs.is_empty()
    }

    /// Whether `seq` of `conversation` is past its cursor.
    pub fn is_new(&self, conversation: &str, seq: i64) -> bool {
        self.seqs.get(conversation).is_none_or(|last| *last < seq)
    }

    /// Whether `seq` of `conversation` is new; if so it becomes the cursor.
    pub fn advance(&mut self, conversation: &str, seq: i64) -> bool {
        match self.seqs.get_mut(conversation) {
            Some(last) if *last >= seq => false,
            Some(last) => {
                *last = seq;
                true
            }
            None => {
                self.seqs.insert(conversation.to_owned(), seq);
                true
            }
        }
    }

    pub fn forget(&mut self, conversation: &str) {
        self.seqs.remove(conversation);
    }

    /// `{"<conversation_id>": <last_seq>, ...}` for a `sync` frame.
    pub fn as_json(&self) -> Value {
        Value::Object(
            self.seqs
                .iter()
                .map(|(conversation, seq)| (conversation.clone(), Value::from(*seq)))
                .collect(),
        )
    }

    pub fn save(&self) -> anyhow::Result<()> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, serde_json::to_vec(&self.as_json())?)
            .with_context(|| format!("writing {}", temporary.display()))?;
        std::fs::rename(&temporary, path)
            .with_context(|| format!("replacing {}", path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_only_move_forward() {
        let mut cursors = Cursors::in_memory();
        assert!(cursors.is_new("c", 3));
        assert!(cursors.advance("c", 3));
        assert!(!cursors.is_new("c", 3));
        assert!(!cursors.advance("c", 3));
        assert!(!cursors.advance("c", 2));
        assert!(cursors.advance("c", 4));
        assert_eq!(cursors.as_json(), serde_json::json!({ "c": 4 }));
    }

    #[test]
    fn cursors_survive_a_restart_through_the_file() {
        let dir = std::env::temp_dir().join(format!("echo-bot-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cursors.json");
        let mut cursors = Cursors::load(&path).unwrap();
        assert!(cursors.is_empty());
        cursors.advance("a", 7);
        cursors.save().unwrap();
        let again = Cursors::load(&path).unwrap();
        assert_eq!(again.as_json(), serde_json::json!({ "a": 7 }));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
