//! One suite of storage tests, run against every adapter: the file system on disk (a
//! temporary directory), memory, and S3 against a real S3-compatible server (s3s-fs, in
//! process, on 127.0.0.1:0) reached over HTTP with signed requests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream};
use palaver_domain::attachment::{ByteRange, ObjectKey};
use palaver_domain::error::BoxError;
use palaver_domain::ports::{ByteStream, ObjectStorage, StorageError};

/// Deterministic bytes: `len` of them, in chunks of 64 KiB.
fn body(len: usize) -> (Vec<u8>, ByteStream) {
    let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    let chunks: Vec<Result<Bytes, BoxError>> = data
        .chunks(64 * 1024)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    (data, stream::iter(chunks).boxed())
}

async fn read_all(stream: ByteStream) -> Vec<u8> {
    stream
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .unwrap()
}

fn key(name: &str) -> ObjectKey {
    ObjectKey::parse(&format!("attachments/{name}")).unwrap()
}

/// The behaviour every adapter shares.
async fn suite(storage: &dyn ObjectStorage) {
    // Larger than one S3 part (5 MiB), so that uploads go in several parts everywhere.
    let (data, stream) = body(11 * 1024 * 1024 + 123);
    let big = key("big");
    assert_eq!(storage.put(&big, stream).await.unwrap(), data.len() as u64);
    assert_eq!(storage.head(&big).await.unwrap(), data.len() as u64);
    assert_eq!(read_all(storage.get(&big, None).await.unwrap()).await, data);

    let range = ByteRange {
        start: 5 * 1024 * 1024 - 10,
        end: 5 * 1024 * 1024 + 9,
    };
    let part = read_all(storage.get(&big, Some(range)).await.unwrap()).await;
    assert_eq!(part, data[range.start as usize..=range.end as usize]);
    let last = ByteRange {
        start: data.len() as u64 - 1,
        end: data.len() as u64 - 1,
    };
    assert_eq!(
        read_all(storage.get(&big, Some(last)).await.unwrap()).await,
        [data[data.len() - 1]]
    );

    // A second put replaces the object.
    let (small, stream) = body(10);
    storage.put(&big, stream).await.unwrap();
    assert_eq!(
        read_all(storage.get(&big, None).await.unwrap()).await,
        small
    );

    // Missing objects.
    let missing = key("missing");
    assert!(matches!(
        storage.head(&missing).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        storage.get(&missing, None).await,
        Err(StorageError::NotFound)
    ));

    // Delete, then gone; deleting again is fine.
    storage.delete(&big).await.unwrap();
    assert!(matches!(
        storage.head(&big).await,
        Err(StorageError::NotFound)
    ));
    storage.delete(&big).await.unwrap();

    // A body that fails half-way stores nothing.
    let failing: ByteStream = stream::iter(vec![
        Ok(Bytes::from(vec![1u8; 2 * 1024 * 1024])),
        Err::<Bytes, BoxError>("cut off".into()),
    ])
    .boxed();
    let cut = key("cut");
    assert!(matches!(
        storage.put(&cut, failing).await,
        Err(StorageError::Body(_))
    ));
    assert!(matches!(
        storage.head(&cut).await,
        Err(StorageError::NotFound)
    ));
}

#[tokio::test]
async fn file_system_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().join("objects").display());
    let storage = palaver_storage::open(&url, "", "").unwrap();
    suite(&storage).await;
    // The objects really were files under the directory.
    let (_, stream) = body(3);
    storage.put(&key("on-disk"), stream).await.unwrap();
    assert!(dir.path().join("objects/attachments/on-disk").is_file());
}

#[tokio::test]
async fn memory() {
    suite(&palaver_storage::open("memory://", "", "").unwrap()).await;
}

#[tokio::test]
async fn s3_against_a_real_s3_compatible_server() {
    let server = s3::Server::start("palaver-test", "test-key", "test-secret").await;
    let url = format!(
        "s3://palaver-test?endpoint=http://{}&region=us-east-1",
        server.address
    );
    let storage = palaver_storage::open(&url, "test-key", "test-secret").unwrap();
    suite(&storage).await;

    // Wrong credentials are refused by the server, not ignored.
    let intruder = palaver_storage::open(&url, "test-key", "wrong-secret").unwrap();
    assert!(intruder.head(&key("anything")).await.is_err());
}

mod s3 {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use s3s::auth::SimpleAuth;
    use s3s::service::S3ServiceBuilder;
    use std::net::SocketAddr;

    /// s3s-fs on a temporary directory, served on a free port for as long as it lives.
    pub struct Server {
        pub address: SocketAddr,
        _root: tempfile::TempDir,
        task: tokio::task::JoinHandle<()>,
    }

    impl Server {
        pub async fn start(bucket: &str, key: &str, secret: &str) -> Self {
            let root = tempfile::tempdir().unwrap();
            std::fs::create_dir(root.path().join(bucket)).unwrap();
            let fs = s3s_fs::FileSystem::new(root.path()).unwrap();
            let mut builder = S3ServiceBuilder::new(fs);
            builder.set_auth(SimpleAuth::from_single(key, secret));
            let service = builder.build();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let task = tokio::spawn(async move {
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        continue;
                    };
                    let service = service.clone();
                    tokio::spawn(async move {
                        let _ = Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(socket), service)
                            .await;
                    });
                }
            });
            Self {
                address,
                _root: root,
                task,
            }
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.task.abort();
        }
    }
}
