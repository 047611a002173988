//! golive's keyring entries against a real Secret Service (gnome-keyring, started by
//! scripts/test.sh under dbus-run-session), and the clear refusal when there is none.

use golive::keystore::{self, EntryName};
use secrecy::{ExposeSecret, SecretString};
use std::process::Command;

fn unique_project() -> String {
    format!(
        "keystore-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    )
}

#[test]
fn stores_reads_and_deletes_an_entry_in_the_secret_service() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run the tests with scripts/test.sh (it starts gnome-keyring under dbus-run-session)"
    );
    let name = EntryName::new(&unique_project(), true, keystore::STRIPE_SECRET_KEY);
    let value = SecretString::from(format!("sk_live_{}", "K3y".repeat(10)));
    assert!(keystore::get(&name).unwrap().is_none());
    keystore::put(&name, &value).unwrap();
    assert_eq!(keystore::get(&name).unwrap().unwrap().expose_secret(), value.expose_secret());
    // visible to other Secret Service clients under golive's service and the entry name
    let lookup =
        Command::new("secret-tool").args(["lookup", "service", keystore::SERVICE, "username", &name.user()]).output();
    if let Ok(out) = lookup {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), value.expose_secret());
    }
    keystore::delete(&name).unwrap();
    assert!(keystore::get(&name).unwrap().is_none());
    keystore::delete(&name).unwrap();
}

#[test]
fn without_a_secret_service_the_error_says_what_to_do() {
    // A child process with no session bus: the keyring cannot be reached.
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "no_bus_child", "--nocapture", "--include-ignored"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env("GOLIVE_NO_BUS_CHILD", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("NO-BUS-REFUSAL-OK"), "{text}");
}

#[test]
#[ignore = "run by without_a_secret_service_the_error_says_what_to_do in a process without a bus"]
fn no_bus_child() {
    if std::env::var_os("GOLIVE_NO_BUS_CHILD").is_none() {
        return;
    }
    let name = EntryName::new(&unique_project(), false, keystore::STRIPE_SECRET_KEY);
    let err = keystore::put(&name, &SecretString::from("sk_test_x".to_string())).unwrap_err();
    assert!(err.message.contains("No OS keyring"), "{err}");
    assert!(err.fix.contains("dbus-run-session"), "{err}");
    println!("NO-BUS-REFUSAL-OK");
}
