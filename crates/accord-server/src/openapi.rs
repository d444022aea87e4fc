//! OpenAPI 3, generated from the handlers' annotations and served at `/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Accord registry",
        description = "Providers file AI systems and their dossiers once; reviewers for each jurisdiction review them; the public sees what is published; a change of rulepacks re-assesses every system. Errors are JSON `{\"error\": {\"code\", \"message\"}}` with stable codes. Lists are paginated with `limit` and `before` (the `next` of the previous page).",
    ),
    paths(
        api::create_system, api::list_systems, api::get_system, api::put_profile, api::get_assessment,
        api::upload_evidence, api::list_evidence, api::upload_attestation, api::list_attestations,
        api::create_filing, api::list_filings, api::get_filing, api::transition_filing,
        api::register, api::list_impacts, api::reassess, api::crosswalk, api::audit_log, api::me,
    ),
    modifiers(&Security),
    tags(
        (name = "systems", description = "AI systems and their versioned profiles"),
        (name = "filings", description = "Filing with a jurisdiction's reviewers, and review"),
        (name = "register", description = "The public register"),
        (name = "law-change", description = "Re-assessment when rulepacks change"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `accord token create`"))
                    .build(),
            ),
        );
    }
}

pub fn document() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}
