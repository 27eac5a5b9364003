use super::*;
use crate::routes::ENDPOINTS;
use std::collections::BTreeSet;

fn documented_operations() -> BTreeSet<(String, String)> {
    let document: Value = serde_json::from_str(openapi_document()).unwrap();
    let paths = document["paths"].as_object().unwrap();
    paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| {
                    ["get", "put", "post", "delete", "patch", "head", "options"]
                        .contains(&k.as_str())
                })
                .map(move |method| (path.clone(), method.to_uppercase()))
        })
        .collect()
}

#[test]
fn the_document_lists_exactly_the_route_table() {
    let routed: BTreeSet<(String, String)> = ENDPOINTS
        .iter()
        .map(|e| (e.path.to_owned(), e.method.as_str().to_owned()))
        .collect();
    let documented = documented_operations();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes without a #[utoipa::path]: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
    assert_eq!(
        routed.len(),
        ENDPOINTS.len(),
        "a path and method routed twice"
    );
}

#[test]
fn each_path_is_one_run_of_the_route_table() {
    let mut seen = BTreeSet::new();
    for run in ENDPOINTS.chunk_by(|a, b| a.path == b.path) {
        assert!(
            seen.insert(run[0].path),
            "{} is split in the route table",
            run[0].path
        );
    }
}

#[test]
fn authenticated_operations_declare_bearer_and_401() {
    let document: Value = serde_json::from_str(openapi_document()).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if secured {
                assert!(
                    operation["responses"].get("401").is_some(),
                    "{method} {path} takes a bearer token but documents no 401"
                );
            }
        }
    }
}

#[test]
fn every_operation_a_session_may_call_a_bot_may_call_too() {
    let document: Value = serde_json::from_str(openapi_document()).unwrap();
    assert_eq!(
        document["components"]["securitySchemes"]["bot"]["name"],
        "Authorization"
    );
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(security) = operation["security"].as_array() else {
                continue;
            };
            let has = |scheme: &str| security.iter().any(|r| r.get(scheme).is_some());
            assert_eq!(has("bearer"), has("bot"), "{method} {path}");
        }
    }
}

#[test]
fn every_error_response_has_the_one_error_shape() {
    let document: Value = serde_json::from_str(openapi_document()).unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_asyncapi_document_carries_every_schema_it_refers_to() {
    let document: Value = serde_json::from_str(asyncapi_document()).unwrap();
    assert_eq!(document["asyncapi"], "3.0.0");
    let mut refs = Vec::new();
    schema_refs(&document, &mut refs);
    assert!(refs.contains(&"Message".to_owned()));
    for name in refs {
        assert!(
            document["components"]["schemas"][&name].is_object(),
            "{name} is referred to but missing"
        );
    }
}

#[test]
fn schema_only_names_match_the_domain() {
    use palaver_domain::conversation::{ConversationKind, MemberRole};
    use palaver_domain::user::Role;
    let names =
        |value: Value| -> Vec<String> { serde_json::from_value(value["enum"].clone()).unwrap() };
    let schema = |s: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
        serde_json::to_value(s).unwrap()
    };
    use utoipa::PartialSchema;
    for name in names(schema(schemas::UserRole::schema())) {
        assert_eq!(Role::parse(&name).unwrap().as_str(), name);
    }
    for name in names(schema(schemas::UserKindName::schema())) {
        assert_eq!(
            palaver_domain::user::UserKind::parse(&name)
                .unwrap()
                .as_str(),
            name
        );
    }
    for name in names(schema(schemas::ConversationKindName::schema())) {
        assert_eq!(ConversationKind::parse(&name).unwrap().as_str(), name);
    }
    for name in names(schema(schemas::MemberRoleName::schema())) {
        assert!(
            ["owner", "admin", "member"].contains(&name.as_str()),
            "{name}"
        );
    }
    for name in names(schema(schemas::AssignableRole::schema())) {
        assert_eq!(MemberRole::parse(&name).unwrap().as_str(), name);
    }
}

#[test]
fn operation_ids_are_unique() {
    let document: Value = serde_json::from_str(openapi_document()).unwrap();
    let mut seen = BTreeSet::new();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let id = operation["operationId"].as_str().unwrap().to_owned();
            assert!(seen.insert(id.clone()), "{id} twice");
        }
    }
}
