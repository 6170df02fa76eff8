//! Volunteer stories over HTTP: an organization writes one with photos,
//! nothing is public until a region administrator approves it, photos come
//! back resized without their EXIF, markup in a story stays text, and bad
//! uploads are refused with their codes.

use super::*;
use base64::Engine;
use image::ImageEncoder;

fn encoded(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A JPEG of `width` × `height` with an EXIF segment naming a place.
fn photo_with_exif(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 251) as u8, (y % 241) as u8, 60]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .write_image(&image, width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    let payload = b"Exif\0\0GPS 28.68N 115.95E";
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[tokio::test]
async fn stories_are_public_only_once_approved_and_carry_clean_photos() {
    for app in apps().await {
        let ctx = app.backend;
        let Serving {
            organizer,
            volunteer,
            id: activity,
            ..
        } = serving(&app).await;
        let county = app.demo(2).await;
        let path = format!("/api/v1/activities/{activity}/stories");
        let photo = encoded(&photo_with_exif(2400, 1200));
        let body = json!({
            "title": "重阳节的下午",
            "body": "<script>alert('x')</script>\n我们陪老人包饺子。",
            "photos": [photo],
        });
        assert_problem(
            &app.post(&path, Some(&volunteer), body.clone()).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        for (photos, code) in [
            (json!([encoded(b"GIF89a......")]), "photo_invalid"),
            (json!(["not base64!"]), "photo_invalid"),
            (json!(vec![encoded(b"x"); 10]), "too_many_photos"),
        ] {
            let mut bad = body.clone();
            bad["photos"] = photos;
            assert_problem(
                &app.post(&path, Some(&organizer), bad).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                ctx,
            );
        }
        let written = app.post(&path, Some(&organizer), body.clone()).await;
        assert_eq!(written.status, StatusCode::CREATED, "{ctx}: {:?}", written.body);
        assert_eq!(written.body["state"], "pending");
        let story = written.body["id"].as_str().unwrap().to_string();

        // Nothing public yet: the story, its photo, its page, the lists.
        assert_eq!(
            app.get(&format!("/api/v1/stories/{story}"), None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/api/v1/stories/{story}"), Some(&volunteer))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/api/v1/stories/{story}/photos/0"), None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/stories/{story}"), None).await.status,
            StatusCode::NOT_FOUND
        );
        let public = app.get("/api/v1/stories?region=360111", None).await;
        assert!(public.body["items"].as_array().unwrap().is_empty(), "{ctx}");
        assert_eq!(
            app.get(&format!("/api/v1/stories/{story}"), Some(&organizer))
                .await
                .status,
            StatusCode::OK
        );

        // Sent back with a note, sent again, approved.
        let queue = app.get("/api/v1/stories?state=pending", Some(&county)).await;
        assert_eq!(queue.body["items"][0]["id"], story.as_str(), "{ctx}: {:?}", queue.body);
        assert_problem(
            &app.post(&format!("/api/v1/stories/{story}/return"), Some(&county), json!({}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "text_invalid",
            ctx,
        );
        let returned = app
            .post(
                &format!("/api/v1/stories/{story}/return"),
                Some(&county),
                json!({"note": "请补充活动时间"}),
            )
            .await;
        assert_eq!(returned.body["state"], "returned", "{ctx}: {:?}", returned.body);
        assert_problem(
            &app.post(&format!("/api/v1/stories/{story}/approve"), Some(&county), json!({}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_transition",
            ctx,
        );
        let again = app
            .call(
                Method::PUT,
                &format!("/api/v1/stories/{story}"),
                Some(&organizer),
                Some(body),
            )
            .await;
        assert_eq!(again.body["state"], "pending", "{ctx}: {:?}", again.body);
        assert_problem(
            &app.post(&format!("/api/v1/stories/{story}/approve"), Some(&organizer), json!({}))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let approved = app
            .post(&format!("/api/v1/stories/{story}/approve"), Some(&county), json!({}))
            .await;
        assert_eq!(approved.body["state"], "approved", "{ctx}: {:?}", approved.body);

        // Public now: the photo resized, without EXIF or place.
        let reply = app
            .client
            .get(format!("{}/api/v1/stories/{story}/photos/0", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(reply.headers()["content-type"], "image/jpeg");
        let jpeg = reply.bytes().await.unwrap();
        assert!(!jpeg.windows(4).any(|w| w == b"Exif"), "{ctx}: EXIF kept");
        assert!(!jpeg.windows(3).any(|w| w == b"GPS"), "{ctx}: place kept");
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (1600, 800), "{ctx}");
        let public = app.get("/api/v1/stories?region=360111", None).await;
        assert_eq!(public.body["items"][0]["id"], story.as_str(), "{ctx}");
        // The page shows the markup as text.
        let page = app.get(&format!("/stories/{story}"), None).await;
        let html = page.body.as_str().unwrap_or_default();
        assert!(html.contains("&#60;script&#62;alert("), "{ctx}: escaped");
        assert!(!html.contains("<script>alert"), "{ctx}: never markup");
        let home = app.get("/", None).await;
        assert!(
            home.body
                .as_str()
                .unwrap_or_default()
                .contains(&format!("/stories/{story}")),
            "{ctx}"
        );
        let activity_page = app.get(&format!("/activities/{activity}"), None).await;
        assert!(
            activity_page.body.as_str().unwrap_or_default().contains("重阳节的下午"),
            "{ctx}: the activity shows its story"
        );
    }
}
