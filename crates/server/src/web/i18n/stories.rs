//! The strings of the story pages and lists, and the refusals of writing
//! and reviewing a story in words.

texts! {
    StoryTexts, STORIES_ZH, STORIES_EN;
    latest_title: "志愿故事", "Volunteer stories";
    of_activity_title: "这次活动的志愿故事", "Stories of this activity";
    by_label: "发布组织", "Published by";
    activity_label: "活动", "Activity";
    photo_alt: "故事照片", "Photo of the story";
    state_pending: "待审核（未公开）", "Waiting for review (not public)";
    state_returned: "已退回修改（未公开）", "Sent back (not public)";
    note_label: "审核意见", "Reviewer's note";
    write_link: "写志愿故事", "Write a story";
    write_title: "写志愿故事", "Write a volunteer story";
    write_intro: "讲讲这次活动里的人和事。提交后由地区管理员审核，通过后公开。照片最多 9 张（JPEG 或 PNG，每张不超过 5 MB），上传后会缩小并去掉拍摄地点等信息。", "Tell of the people and moments of this activity. A region administrator reviews it before it is public. Up to 9 photos (JPEG or PNG, 5 MB each); they are resized and lose their location and camera data.";
    title_label: "标题", "Title";
    body_label: "正文", "Text";
    photos_label: "照片", "Photos";
    submit: "提交审核", "Send for review";
    queue_title: "待审核的志愿故事", "Stories waiting for review";
    queue_empty: "没有待审核的故事。", "No story is waiting for review.";
    approve: "通过并公开", "Approve and publish";
    send_back: "退回修改", "Send back";
    nav_review: "故事审核", "Stories";
}

/// The refusals of stories, in both languages.
pub fn problem(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "too_many_photos" => ("一个故事最多 9 张照片。", "A story has at most 9 photos."),
        "photo_too_large" => ("每张照片不能超过 5 MB。", "Each photo is at most 5 MB."),
        "photo_invalid" => ("照片须为 JPEG 或 PNG 图片。", "Photos are JPEG or PNG images."),
        "own_story" => (
            "不能审核自己管理的组织发布的故事，请由其他管理员审核。",
            "Another administrator reviews a story of an organization you run.",
        ),
        _ => return None,
    })
}
