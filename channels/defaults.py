"""The default Chinese texts customers receive, created when first needed; the
service manager edits them."""

SIGNATURE = "客户服务部"

TEMPLATES = [
    (
        "ack",
        "【{number}】您反映的问题已受理",
        "{customer}，您好！\n\n"
        "我们已收到您反映的问题“{subject}”，工单号为 {number}。我们会按流程处理，"
        "每有进展都会告诉您。\n\n"
        "通过下面的专用链接可以随时查看处理进度、补充说明或上传资料"
        "（链接只属于这张工单，请不要转发给他人）：\n{link}\n\n"
        "回复本邮件时请保留主题中的工单号，您的回复会自动记入这张工单。\n\n"
        + SIGNATURE,
    ),
    (
        "reply",
        "【{number}】关于“{subject}”的答复",
        "{customer}，您好！\n\n"
        "关于您的工单 {number}，我们的答复如下：\n\n{reply}\n\n"
        "完整的处理记录：{link}\n"
        "如有疑问，直接回复本邮件即可（请保留主题中的工单号）。\n\n" + SIGNATURE,
    ),
    (
        "close",
        "【{number}】工单已结案",
        "{customer}，您好！\n\n"
        "您的工单 {number}（{subject}）已处理完毕并结案，感谢您的耐心。\n"
        "如对处理结果有任何意见，请通过专用链接查看记录并告诉我们：\n{link}\n\n"
        + SIGNATURE,
    ),
    ("sms_ack", "", "您反映的问题已受理，工单号{number}，查看进度：{link}"),
]
