//! `json_patch`: RFC 7396 MergePatch as SQLite's `jsonMergePatch` runs
//! it, member by member of the patch, each against the target as the
//! members before it left it.
//!
//! Invariants: a patch member matches the first target member with an
//! equal key (escapes read); a null value removes that member, a member
//! not found is appended at the end of the target object with the
//! patch's key text; an object value is merged into the target's value
//! (an empty object when that is not one). The objects being merged are
//! kept on an explicit stack, so nesting costs heap, not call depth.

use crate::Result;
use crate::alloc::{Allocator, Vec};

use super::text::{same_text, splice, string_end, value_end};

/// An object of the target being merged with one of the patch.
struct Frame {
    /// Where the target object starts in the document being built.
    target: usize,
    /// The next member of the patch object (its `"` or its `}`).
    patch: usize,
}

/// `target` (minified) patched with `patch` (minified).
pub(super) fn merge<A: Allocator + Clone>(
    target: &[u8],
    patch: &[u8],
    alloc: A,
) -> Result<Vec<u8, A>> {
    if patch.first() != Some(&b'{') {
        return Ok(Vec::try_from_slice_in(patch, alloc)?);
    }
    let mut doc = if target.first() == Some(&b'{') {
        Vec::try_from_slice_in(target, alloc.clone())?
    } else {
        Vec::try_from_slice_in(b"{}", alloc.clone())?
    };
    let mut stack: Vec<Frame, A> = Vec::new_in(alloc.clone());
    stack.try_push(Frame {
        target: 0,
        patch: 1,
    })?;
    while let Some(frame) = stack.last_mut() {
        if patch.get(frame.patch) != Some(&b'"') {
            stack.pop();
            continue;
        }
        let p_label = frame.patch;
        let p_label_end = string_end(patch, p_label);
        let p_value = p_label_end + 1;
        let p_value_end = value_end(patch, p_value);
        frame.patch = if patch.get(p_value_end) == Some(&b',') {
            p_value_end + 1
        } else {
            p_value_end
        };
        let target_at = frame.target;
        let p_key = patch.get(p_label + 1..p_label_end - 1).unwrap_or_default();
        let p_val = patch.get(p_value..p_value_end).unwrap_or_default();
        let p_object = p_val.first() == Some(&b'{');
        let p_null = p_val == b"null";

        // The first target member with an equal key.
        let mut j = target_at + 1;
        let mut hit = None;
        while doc.get(j) == Some(&b'"') {
            let label_end = string_end(&doc, j);
            let value = label_end + 1;
            let value_end_at = value_end(&doc, value);
            let t_key = doc.get(j + 1..label_end - 1).unwrap_or_default();
            if same_text(
                p_key,
                !p_key.contains(&b'\\'),
                t_key,
                !t_key.contains(&b'\\'),
            ) == Some(true)
            {
                hit = Some((j, value, value_end_at));
                break;
            }
            j = value_end_at;
            if doc.get(j) != Some(&b',') {
                break;
            }
            j += 1;
        }
        match hit {
            Some((label, _, end)) if p_null => {
                let range = if doc.get(end) == Some(&b',') {
                    label..end + 1
                } else if doc.get(label - 1) == Some(&b',') {
                    label - 1..end
                } else {
                    label..end
                };
                doc = splice(&doc, range, &[], alloc.clone())?;
            }
            Some((_, value, end)) if p_object => {
                if doc.get(value) != Some(&b'{') {
                    doc = splice(&doc, value..end, &[b"{}"], alloc.clone())?;
                }
                stack.try_push(Frame {
                    target: value,
                    patch: p_value + 1,
                })?;
            }
            Some((_, value, end)) => {
                doc = splice(&doc, value..end, &[p_val], alloc.clone())?;
            }
            None if p_null => {}
            None => {
                let empty = doc.get(target_at + 1) == Some(&b'}');
                let comma: &[u8] = if empty { b"" } else { b"," };
                let label = patch.get(p_label..p_label_end + 1).unwrap_or_default();
                let at = value_end(&doc, target_at) - 1;
                let value: &[u8] = if p_object { b"{}" } else { p_val };
                doc = splice(&doc, at..at, &[comma, label, value], alloc.clone())?;
                if p_object {
                    stack.try_push(Frame {
                        target: at + comma.len() + label.len(),
                        patch: p_value + 1,
                    })?;
                }
            }
        }
    }
    Ok(doc)
}
