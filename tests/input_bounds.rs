//! Input bounds (issue 16, part 4), as the outside testers met them: a 100 MB bundle refused
//! at once in bounded memory, `keymap check /dev/zero` (and a keymap linked to it) refused
//! instead of read without end, `demo --people 18446744073709551615` refused as bad usage
//! naming the range, and a demo killed half-way refused with a sentence instead of opening as
//! a suite without its accounts. Each refusal names the limit.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The public key of RFC 8037's example: any key will do for a bundle that is never read.
const JWK: &str =
    r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

/// `sonar ARGS` isolated in `home`, with at most `address_space_mib` of virtual memory.
fn sonar_limited(home: &Path, address_space_mib: u64, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--as={}", address_space_mib * 1024 * 1024))
        .arg(sonar_path())
        .args(args);
    isolate(&mut cmd, home);
    cmd.output().expect("run sonar under prlimit")
}

#[test]
fn a_huge_bundle_is_refused_at_once_in_bounded_memory_naming_the_limit() {
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join("sender.jwk");
    std::fs::write(&key, JWK).unwrap();
    // Sparse: 2 GiB that take no disk. Read whole, it could not fit in the 512 MiB the
    // program is given below.
    let bundle = home.path().join("huge.handover.json");
    std::fs::File::create(&bundle)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let started = Instant::now();
    let out = sonar_limited(
        home.path(),
        512,
        &[
            "verify",
            bundle.to_str().unwrap(),
            "--trust",
            key.to_str().unwrap(),
        ],
    );
    let took = started.elapsed();
    assert_fails_with(
        &out,
        &format!(
            "{} is 2 GiB, more than the 5 MiB a handover bundle may be, so it was not read",
            bundle.display()
        ),
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");

    // A device named as the bundle is not read either.
    let out = sonar_in(home.path())
        .args(["verify", "/dev/zero", "--trust", key.to_str().unwrap()])
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    assert_fails_with(
        &out,
        "/dev/zero is not a regular file (a device, a directory or a pipe); a handover bundle must be a file",
    );
}

#[test]
fn keymap_check_refuses_dev_zero_and_a_keymap_linked_to_it_at_once() {
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = sonar_in(home.path())
        .args(["keymap", "check", "/dev/zero"])
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "/dev/zero: not a regular file (a device, a directory or a pipe); a keymap must be a file\n"
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // The person's own keymap, a link to /dev/zero: checked, and at start-up (keymap print
    // loads it as the UI does) reported and the defaults used.
    let dir = home.path().join("config").join("sonar");
    std::fs::create_dir_all(&dir).unwrap();
    let keymap = dir.join("keymap.toml");
    std::os::unix::fs::symlink("/dev/zero", &keymap).unwrap();
    let out = sonar_in(home.path())
        .args(["keymap", "check"])
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a regular file"),
        "{out:?}"
    );
    let out = sonar_in(home.path())
        .args(["keymap", "print"])
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a regular file"), "{err}");
    assert!(err.contains("these are the default keys"), "{err}");

    // A keymap over the limit is named with its size and the limit.
    std::fs::remove_file(&keymap).unwrap();
    std::fs::write(&keymap, vec![b'#'; 1024 * 1024]).unwrap();
    let out = sonar_in(home.path())
        .args(["keymap", "check"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("1 MiB, more than the 256 KiB a keymap may be, so it was not read"),
        "{out:?}"
    );
}

#[test]
fn demo_people_beyond_the_range_is_bad_usage_naming_the_range() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("demo.db");
    for people in ["18446744073709551615", "1000001"] {
        let out = sonar_in(home.path())
            .args(["demo", "--generate-only", "--people", people, "--db"])
            .arg(&db)
            .timeout(Duration::from_secs(10))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{people}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!(
                "invalid value '{people}' for '--people <PEOPLE>': {people} is not in 0..=1000000"
            )),
            "{err}"
        );
        assert!(!db.exists(), "nothing is made");
    }
}

#[test]
fn a_demo_killed_half_way_is_refused_with_a_sentence_for_every_login() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("demo.db");
    let mut cmd = Command::new(sonar_path());
    isolate(&mut cmd, home.path());
    let mut child = cmd
        .args(["demo", "--generate-only", "--people", "400000", "--db"])
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Killed once the first batch of historical people is written: past the accounts, well
    // before the end.
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("Generating historical people: ") {
        let n = stderr.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "the demo ended early: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(db.exists());

    let pw = write_password_file(home.path(), "demo.pw", "demo");
    let sentence = format!(
        "{} was left incomplete (its demo generation was interrupted) and cannot be used: delete it and the files beside it that start with its name, and run `sonar demo` again",
        db.display()
    );
    for user in ["admin", "sergeant", "hcp", "officer"] {
        let out = sonar_in(home.path())
            .args(["list", "--db"])
            .arg(&db)
            .args(["--user", user, "--password-file"])
            .arg(&pw)
            .output()
            .unwrap();
        assert_fails_with(&out, &sentence);
    }
    let out = sonar_in(home.path())
        .args(["check", "--db"])
        .arg(&db)
        .args(["--user", "admin", "--password-file"])
        .arg(&pw)
        .output()
        .unwrap();
    assert_fails_with(&out, &sentence);

    // A demo that finishes opens as before.
    let done = home.path().join("done.db");
    let out = sonar_in(home.path())
        .args(["demo", "--generate-only", "--people", "0", "--db"])
        .arg(&done)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = sonar_in(home.path())
        .args(["list", "--db"])
        .arg(&done)
        .args(["--user", "hcp", "--password-file"])
        .arg(&pw)
        .output()
        .unwrap();
    assert_success(&out);
}
