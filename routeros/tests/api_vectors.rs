//! Binary-API codec against the hex vectors in the capture corpus (`corpus/api` in the repository,
//! or `$CHRLAB_CORPUS/api`): go-routeros library test vectors and librouteros transcripts.

use std::fs;
use std::path::{Path, PathBuf};

use routeros::api::{Decoder, Reply, Sentence, encode_length, encode_sentence};

fn corpus(rel: &str) -> PathBuf {
    testsupport::corpus::path(&format!("api/{rel}"))
}

/// One sentence of a vector file: direction, the words from the `#=` comment, the bytes.
struct Vector {
    line: usize,
    words: Sentence,
    bytes: Vec<u8>,
}

fn vectors(path: &Path) -> Vec<Vector> {
    let text = fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    let mut words: Option<Sentence> = None;
    for (n, line) in text.lines().enumerate() {
        if let Some(json) = line.strip_prefix("#=") {
            words = Some(serde_json::from_str(json.trim()).unwrap());
        } else if let Some(hex) = line.strip_prefix("C ").or_else(|| line.strip_prefix("R ")) {
            out.push(Vector {
                line: n + 1,
                words: words
                    .take()
                    .unwrap_or_else(|| panic!("{}:{}: no #= line", path.display(), n + 1)),
                bytes: hex::decode(hex.trim()).unwrap(),
            });
        }
    }
    assert!(!out.is_empty(), "{}: no vectors", path.display());
    out
}

fn hex_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["go-routeros", "librouteros"] {
        for e in fs::read_dir(corpus(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "hex")
                && p.file_name().is_some_and(|n| n != "length_encoding.hex")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    assert_eq!(files.len(), 10, "{files:?}");
    files
}

#[test]
fn every_sentence_round_trips_byte_for_byte() {
    for file in hex_files() {
        for v in vectors(&file) {
            let at = format!("{}:{}", file.display(), v.line);
            assert_eq!(encode_sentence(&v.words), v.bytes, "encode {at}");
            let mut d = Decoder::new(1 << 16);
            d.feed(&v.bytes);
            assert_eq!(
                d.next_sentence().unwrap(),
                Some(v.words.clone()),
                "decode {at}"
            );
            assert_eq!(d.next_sentence().unwrap(), None, "{at}");
            assert!(d.is_idle(), "{at}");
        }
    }
}

#[test]
fn whole_transcripts_decode_fed_one_byte_at_a_time() {
    for file in hex_files() {
        let vs = vectors(&file);
        let stream: Vec<u8> = vs.iter().flat_map(|v| v.bytes.clone()).collect();
        let mut d = Decoder::new(1 << 16);
        let mut got = Vec::new();
        for b in &stream {
            d.feed(std::slice::from_ref(b));
            while let Some(s) = d.next_sentence().unwrap() {
                got.push(s);
            }
        }
        let want: Vec<Sentence> = vs.into_iter().map(|v| v.words).collect();
        assert_eq!(got, want, "{}", file.display());
        assert!(d.is_idle());
    }
}

#[test]
fn length_encoding_vectors() {
    let text = fs::read_to_string(corpus("go-routeros/length_encoding.hex")).unwrap();
    let mut n = 0;
    for line in text.lines().filter(|l| l.starts_with("0x")) {
        let (len, bytes) = line.split_once(' ').unwrap();
        let len = usize::from_str_radix(len.trim_start_matches("0x"), 16).unwrap();
        let bytes = hex::decode(bytes.trim()).unwrap();
        assert_eq!(encode_length(len), bytes, "{line}");
        assert_eq!(
            routeros::api::decode_length(&bytes).unwrap(),
            Some((len, bytes.len())),
            "{line}"
        );
        // A word of that announced length is accepted up to the limit and refused above it.
        let mut d = Decoder::new(len - 1);
        d.feed(&bytes);
        let e = d.next_sentence().unwrap_err();
        assert!(e.to_string().contains(&len.to_string()), "{e}");
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn pre643_challenge_response_matches_the_vector() {
    let vs = vectors(&corpus("go-routeros/login_pre643_challenge_ok.hex"));
    let ret = vs[1].words[1].strip_prefix("=ret=").unwrap();
    let response = vs[2].words[2].strip_prefix("=response=").unwrap();
    assert_eq!(
        routeros::api::login_challenge_response("passTest", ret),
        response
    );
    assert_ne!(
        routeros::api::login_challenge_response("wrong", ret),
        response
    );
}

#[test]
fn reply_kinds_of_the_transcripts() {
    let vs = vectors(&corpus("librouteros/quit_fatal.hex"));
    assert_eq!(Reply::of(&vs[1].words), Some(Reply::Fatal));
    assert_eq!(Reply::of(&vs[0].words), None);
}
