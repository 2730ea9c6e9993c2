using System.Net;
using Lifeboat.Communication;
using Lifeboat.Communication.Mail;
using Lifeboat.Communication.Webhooks;
using Lifeboat.Incidents;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Communication;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>
/// The channels over HTTP (docs/architecture.md, "Channels"): webhooks, administered with the permission that registers
/// the other URLs the server calls (participants.manage); the mail log of an incident (incidents.read); and the public,
/// rate-limited subscription endpoints and pages, which need no login and never say whether an address was subscribed.
/// </summary>
public static class CommsChannelEndpoints
{
    public const string SubscribedMessage = "If the address can take status mail, a confirmation is on its way to it: open its link to start getting updates.";

    public static IEndpointRouteBuilder MapCommsChannelEndpoints(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapArea("/api/comms/webhooks", "Communication");
        webhooks.MapPost("/", CreateWebhook).WithName("CreateWebhook").RequirePermission(Permissions.ParticipantsManage)
            .WithSummary("Register a webhook: a URL on the allow-list and the events it wants; 201 with its signing secret, shown this once")
            .WithDescription("""
                Body {url, events, description?}. url: https, or http on 127.0.0.1; its host must be on Lifeboat:Communication:Webhooks:Allow.
                events: types (update.published, restore.completed, …), prefixes (restore.*) or *. Deliveries are signed (docs/webhooks.md).
                """);
        webhooks.MapGet("/", ListWebhooks).WithName("ListWebhooks").RequirePermission(Permissions.ParticipantsManage)
            .WithSummary("Every webhook, enabled or disabled, without secrets");
        webhooks.MapGet("/{id}", GetWebhook).WithName("GetWebhook").RequirePermission(Permissions.ParticipantsManage).WithSummary("A webhook, without its secret");
        webhooks.MapDelete("/{id}", DisableWebhook).WithName("DisableWebhook").RequirePermission(Permissions.ParticipantsManage)
            .WithSummary("Disable a webhook (it is never deleted): its pending deliveries are not sent, its log stays; query reason says why");
        webhooks.MapGet("/{id}/deliveries", Deliveries).WithName("ListWebhookDeliveries").RequirePermission(Permissions.ParticipantsManage)
            .WithSummary("A webhook's deliveries, newest first (limit 1 to 1000, default 100), each with every attempt: status, error, duration");

        app.MapArea("/api/incidents", "Incidents").MapGet("/{incident}/messages", Messages).WithName("ListIncidentMessages").RequirePermission(Permissions.IncidentsRead)
            .WithSummary("The incident's mail log: one message per update and address, with its delivery state (queued, sent, failed, bounced), SMTP answer and bounce")
            .WithDescription("Query update (a number), state, limit (1 to 10000, default 1000).");

        app.MapArea("/api/comms/subscriptions", "Communication").MapPost("/", Subscribe).WithName("Subscribe").AllowAnonymous()
            .RequireRateLimiting(ChannelServices.SubscribePolicy)
            .WithSummary("Ask for status mail about components (no login): 202, and a confirmation mail with a link; the answer is the same whatever the address's subscriptions")
            .WithDescription("Body {email, components}: components are <product ID>@<region> (prd_wiki@eu-west).");

        var pages = app.MapGroup("/comms/subscriptions").WithTags("Communication");
        pages.MapGet("/confirm", ConfirmPage).WithName("ConfirmSubscriptionPage").AllowAnonymous().RequireRateLimiting(RequestLimits.AnonymousPolicy)
            .WithSummary("The confirmation link's page: what it confirms, and a button (a GET changes nothing: mail scanners open links)");
        pages.MapPost("/confirm", Confirm).WithName("ConfirmSubscription").AllowAnonymous().RequireRateLimiting(RequestLimits.AnonymousPolicy).DisableAntiforgery()
            .WithSummary("Confirm the subscriptions the link's mail asked for; a link works once");
        pages.MapGet("/unsubscribe", UnsubscribePage).WithName("UnsubscribePage").AllowAnonymous().RequireRateLimiting(RequestLimits.AnonymousPolicy)
            .WithSummary("The unsubscribe link's page, with a button");
        pages.MapPost("/unsubscribe", Unsubscribe).WithName("Unsubscribe").AllowAnonymous().RequireRateLimiting(RequestLimits.AnonymousPolicy).DisableAntiforgery()
            .WithSummary("End every subscription of the link's address, without login: RFC 8058's one-click POST (List-Unsubscribe=One-Click) and the page's button");
        return app;
    }

    public sealed record CreateWebhookRequest(string Url, IReadOnlyList<string> Events, string? Description = null);

    public sealed record SubscribeRequest(string Email, IReadOnlyList<string> Components);

    public sealed record Accepted(string Message);

    public static async Task<Created<CreatedWebhook>> CreateWebhook(CreateWebhookRequest request, CommunicationDesk desk, ChannelSettings settings, CancellationToken ct)
    {
        var created = await desk.Webhooks(settings.Webhooks).CreateAsync(request.Url, request.Events, request.Description, ct);
        return TypedResults.Created($"/api/comms/webhooks/{created.Webhook.Id}", created);
    }

    public static async Task<Ok<IReadOnlyList<Webhook>>> ListWebhooks(CommunicationDesk desk, ChannelSettings settings, CancellationToken ct) =>
        TypedResults.Ok(await desk.Webhooks(settings.Webhooks).ListAsync(ct));

    public static async Task<Ok<Webhook>> GetWebhook(string id, CommunicationDesk desk, ChannelSettings settings, CancellationToken ct) =>
        TypedResults.Ok(await desk.Webhooks(settings.Webhooks).GetAsync(id, ct));

    public static async Task<Ok<Webhook>> DisableWebhook(string id, string? reason, CommunicationDesk desk, ChannelSettings settings, CancellationToken ct) =>
        TypedResults.Ok(await desk.Webhooks(settings.Webhooks).DisableAsync(id, reason ?? $"disabled over the API by {desk.Actor}", ct));

    public static async Task<Ok<IReadOnlyList<WebhookDelivery>>> Deliveries(string id, CommunicationDesk desk, ChannelSettings settings, CancellationToken ct, int limit = 100)
    {
        Api.RequireInRange(limit, "limit", 1, 1000, "deliveries");
        return TypedResults.Ok(await desk.Webhooks(settings.Webhooks).DeliveriesAsync(id, limit, ct));
    }

    public static async Task<Ok<IReadOnlyList<MailLogEntry>>> Messages(string incident, CommunicationDesk desk, IncidentDesk incidents, ChannelSettings settings, CancellationToken ct,
        int? update = null, string? state = null, int limit = 1000)
    {
        Api.RequireInRange(limit, "limit", 1, 10_000, "messages");
        MessageState? wanted = state is null ? null
            : Enum.TryParse<MessageState>(state, ignoreCase: true, out var s) && !int.TryParse(state, System.Globalization.CultureInfo.InvariantCulture, out _) ? s
            : throw new PlatformException(PlatformErrorKind.Invalid, $"state '{state}' is not a delivery state; use queued, sent, failed or bounced.");
        var id = IncidentId.Parse(incident);
        await incidents.GetAsync(id, ct); // an unknown incident is a 404, not an empty log
        return TypedResults.Ok(await desk.Mail(settings.Mail).MessagesAsync(id, update, wanted, limit, ct));
    }

    public static async Task<Accepted<Accepted>> Subscribe(SubscribeRequest request, CommunicationDesk desk, ChannelSettings settings, CancellationToken ct)
    {
        await desk.Mail(settings.Mail).SubscribeAsync(request.Email, request.Components, ct);
        return TypedResults.Accepted((string?)null, new Accepted(SubscribedMessage));
    }

    public static Task<IResult> ConfirmPage(string? token, CommunicationDesk desk, ChannelSettings settings, CancellationToken ct) =>
        PageAsync(async () =>
        {
            var link = await desk.Mail(settings.Mail).ReadLinkAsync(token, "confirm", ct);
            return link.Used ? ("Already confirmed", "<p>This link was used already: the subscription is confirmed.</p>")
                : link.Expired ? ("Link expired", "<p>This confirmation link expired. Ask for status mail again to get a new one.</p>")
                : ("Confirm your subscription", $"""
                    <p>Status updates by e-mail to <strong>{E(link.Address)}</strong> for:</p>{List(link.Components)}
                    <form method="post"><button type="submit">Confirm</button></form>
                    """);
        });

    public static Task<IResult> Confirm(string? token, CommunicationDesk desk, ChannelSettings settings, CancellationToken ct) =>
        PageAsync(async () =>
        {
            var confirmed = await desk.Mail(settings.Mail).ConfirmAsync(token, ct);
            return ("Subscription confirmed", $"<p>You will get status updates by e-mail for:</p>{List(confirmed)}<p>Every one of them carries a link to unsubscribe.</p>");
        });

    public static Task<IResult> UnsubscribePage(string? token, CommunicationDesk desk, ChannelSettings settings, CancellationToken ct) =>
        PageAsync(async () =>
        {
            var link = await desk.Mail(settings.Mail).ReadLinkAsync(token, "unsubscribe", ct);
            return link.Components.Count == 0
                ? ("Unsubscribed", $"<p><strong>{E(link.Address)}</strong> gets no status updates by e-mail.</p>")
                : ("Unsubscribe", $"""
                    <p>Stop status updates by e-mail to <strong>{E(link.Address)}</strong> for:</p>{List(link.Components)}
                    <form method="post"><button type="submit">Unsubscribe</button></form>
                    """);
        });

    public static Task<IResult> Unsubscribe(string? token, CommunicationDesk desk, ChannelSettings settings, CancellationToken ct) =>
        PageAsync(async () =>
        {
            await desk.Mail(settings.Mail).UnsubscribeAsync(token, ct);
            return ("Unsubscribed", "<p>You get no more status updates by e-mail. To get them again, subscribe on the status page.</p>");
        });

    /// <summary>A small page of its own (no console frame, no script); a refusal is the same page with its status and words.</summary>
    private static async Task<IResult> PageAsync(Func<Task<(string Title, string Html)>> render)
    {
        int status;
        string title, html;
        try
        {
            (title, html) = await render();
            status = StatusCodes.Status200OK;
        }
        catch (PlatformException e)
        {
            status = e.Kind switch
            {
                PlatformErrorKind.NotFound => StatusCodes.Status404NotFound,
                PlatformErrorKind.Conflict => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status400BadRequest,
            };
            title = "This link does not work";
            html = $"<p>{E(e.Message)}</p>";
        }

        return Results.Content($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(title)}</title><style>body{"{"}font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5{"}"}button{"{"}font-size:1rem;padding:.5rem 1.25rem{"}"}</style></head>
            <body><main><h1>{E(title)}</h1>{html}</main></body></html>
            """, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    private static string List(IReadOnlyList<string> items) => $"<ul>{string.Concat(items.Select(i => $"<li>{E(i)}</li>"))}</ul>";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
