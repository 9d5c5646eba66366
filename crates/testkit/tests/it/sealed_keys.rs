//! Token signing keys are sealed at rest under `ISCHED_SECRET_KEY`: never stored in the
//! clear once a secret is set, sealed again when the secret rotates, and a key that does not
//! open stops the start with the key and the secret named.

use isched_auth::keys::KeyRing;
use isched_auth::sealing::Sealer;
use isched_store::Store;
use isched_testkit::{Backend, TestDb, backend_tests};
use jiff::Timestamp;
use secrecy::SecretString;

backend_tests!(signing_keys_are_sealed_and_resealed_on_rotation);

const ONE: &str = "first-secret-key-with-at-least-32-characters";
const TWO: &str = "second-secret-key-with-at-least-32-characters";

fn sealer(current: &str, previous: &[&str]) -> Sealer {
    let previous: Vec<SecretString> = previous
        .iter()
        .map(|p| SecretString::from((*p).to_owned()))
        .collect();
    Sealer::new(&SecretString::from(current.to_owned()), &previous).expect("sealer")
}

/// The stored form of the one signing key.
async fn stored(store: &Store) -> (String, String) {
    let keys = store.signing_keys().await.expect("keys");
    assert_eq!(keys.len(), 1, "no key is added by sealing");
    (keys[0].kid.clone(), keys[0].private_key_pem.clone())
}

async fn signing_keys_are_sealed_and_resealed_on_rotation(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let store = Store::connect(db.url()).await.expect("connect");
    let now = Timestamp::from_second(1_800_000_000).expect("in range");

    // Without a secret, as before: in the clear.
    let ring = KeyRing::load_or_create(&store, &Sealer::none(), now)
        .await
        .expect("first key");
    let (kid, pem) = stored(&store).await;
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let jwks = serde_json::to_value(ring.jwks()).expect("jwks");

    // A secret set: the key is sealed in place, the same key.
    let one = sealer(ONE, &[]);
    let ring = KeyRing::load_or_create(&store, &one, now)
        .await
        .expect("sealed");
    let (same, sealed) = stored(&store).await;
    assert_eq!(same, kid);
    assert!(sealed.starts_with("sealed:v1:"), "{sealed}");
    assert!(!sealed.contains("PRIVATE KEY"));
    assert_eq!(serde_json::to_value(ring.jwks()).expect("jwks"), jwks);

    // Another secret without the first: refused, naming the key and what to set.
    let err = KeyRing::load_or_create(&store, &sealer(TWO, &[]), now)
        .await
        .err()
        .expect("a key sealed under an unknown secret is refused");
    let message = err.to_string();
    assert!(message.contains(&kid), "{message}");
    assert!(message.contains("ISCHED_SECRET_KEY_PREVIOUS"), "{message}");
    assert!(!message.contains(ONE) && !message.contains(TWO));
    // No secret at all: refused too.
    let err = KeyRing::load_or_create(&store, &Sealer::none(), now)
        .await
        .err()
        .expect("a sealed key without a secret is refused");
    assert!(err.to_string().contains("no secret key"), "{err}");
    assert_eq!(stored(&store).await.1, sealed, "refusals change nothing");

    // Rotating: the new secret with the old as previous seals it again under the new one,
    // after which the old secret is no longer needed.
    KeyRing::load_or_create(&store, &sealer(TWO, &[ONE]), now)
        .await
        .expect("rotated");
    let (_, resealed) = stored(&store).await;
    assert_ne!(resealed, sealed);
    let ring = KeyRing::load(&store, &sealer(TWO, &[]))
        .await
        .expect("opens with the new secret alone");
    assert_eq!(serde_json::to_value(ring.jwks()).expect("jwks"), jwks);
    let (signing_kid, _) = ring.signing();
    assert_eq!(signing_kid, kid);

    // A key made by `isched keys rotate` is stored sealed as well.
    let two = sealer(TWO, &[]);
    let new = KeyRing::rotate(&store, &two, now, jiff::SignedDuration::from_hours(1))
        .await
        .expect("rotate");
    let keys = store.signing_keys().await.expect("keys");
    let made = keys.iter().find(|k| k.kid == new).expect("the new key");
    assert!(made.private_key_pem.starts_with("sealed:v1:"));
}

backend_tests!(the_snooze_link_key_is_sealed_too);

/// The key that signs snooze links follows the same rules: made in the clear without a
/// secret, sealed in place once one is set, resealed on rotation, refused by a wrong one;
/// and it stays the same key throughout, so links already sent keep working.
async fn the_snooze_link_key_is_sealed_too(backend: Backend) {
    use isched_auth::snooze_link::signing_key;
    let Some(db) = TestDb::create(backend).await else {
        return;
    };
    let store = Store::connect(db.url()).await.expect("connect");
    let now = Timestamp::from_second(1_800_000_000).expect("in range");
    let stored = || async {
        store
            .setting("snooze_signing_key")
            .await
            .expect("setting")
            .and_then(|v| v.as_str().map(str::to_owned))
            .expect("stored")
    };
    let clear = signing_key(&store, now, &Sealer::none())
        .await
        .expect("key");
    let hex: String = clear.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(stored().await, hex);

    let one = sealer(ONE, &[]);
    assert_eq!(signing_key(&store, now, &one).await.expect("key"), clear);
    let sealed_one = stored().await;
    assert!(sealed_one.starts_with("sealed:v1:"), "{sealed_one}");
    assert!(!sealed_one.contains(&hex));

    let two = sealer(TWO, &[ONE]);
    assert_eq!(signing_key(&store, now, &two).await.expect("key"), clear);
    assert_ne!(stored().await, sealed_one, "resealed under the new secret");

    let wrong = sealer(ONE, &[]);
    let e = signing_key(&store, now, &wrong).await.expect_err("refused");
    assert!(e.to_string().contains("ISCHED_SECRET_KEY"), "{e}");
    assert!(
        signing_key(&store, now, &Sealer::none()).await.is_err(),
        "a sealed key is not read without a secret"
    );
}
