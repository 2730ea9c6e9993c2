using Lifeboat.Communication;
using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Security;
using Lifeboat.Server.Support;
using Lifeboat.Support;
using Lifeboat.Support.Accounts;
using Lifeboat.Support.Attachments;
using Lifeboat.Support.Intake;
using Lifeboat.Support.Sla;
using Lifeboat.Support.Tickets;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>
/// Support over HTTP. The intake is public (a customer whose site was deleted has no login): a request, then its confirmation by
/// the mailed code, rate-limited per network and per address; the answer never says whether anything matched. The tickets are
/// staff's: read with support.read, linked and answered with support.write.
/// </summary>
public static class SupportEndpoints
{
    public static IEndpointRouteBuilder MapSupportEndpoints(this IEndpointRouteBuilder app)
    {
        var intake = app.MapArea("/api/support/requests", "Support").AllowAnonymous().RequireRateLimiting(IntakeLimits.NetworkPolicy);
        intake.MapPost("/", Submit).WithName("SubmitSupportRequest")
            .WithSummary("Ask support for help without a login: e-mail (required), company, the site you use (a URL, a name or nothing), what is wrong (required)")
            .WithDescription("""
                The request is stored at once as an unverified ticket and a 6-digit code and a link are mailed to the address; the answer is 202
                with the request's ID and "we sent a code to <address>", the same whether or not the address or site is known. Limits: e-mail 254
                characters, company 200, site 500, description 10,000; a field out of its limits is a 400 naming it, and nothing is stored.
                website must be left empty (a field for robots). 429 with Retry-After: too many requests from the network (a /24 or /64) or the address.
                attachments: at most 3 files of 5 MB, each {name, content} with the content in base64; PNG, JPEG, PDF or UTF-8 plain text,
                told by the content, not the name (another is a 400 naming the file, and nothing is stored).
                """)
            .WithBodyLimit(IntakeLimits.ApiBodyBytes, IntakeLimits.BodyExplained)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        intake.MapPost("/{request}/verify", Verify).WithName("VerifySupportRequest")
            .WithSummary("Confirm a request's address with the 6-digit code of the mail; the ticket then goes to the customer's account or to triage")
            .WithDescription("A wrong code is a 400 with the tries left (5 in all); an expired, used or locked one a 409 saying which and what to do.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        var tickets = app.MapArea("/api/support/tickets", "Support");
        tickets.MapGet("/", List).WithName("ListSupportTickets").RequirePermission(Permissions.SupportRead)
            .WithSummary("Confirmed tickets, newest first: of a queue (triage, incident, general), of an account, and/or a team's open work (owner=apac, emea, amer); limit 1 to 500");
        tickets.MapGet("/{ticket}", Get).WithName("GetSupportTicket").RequirePermission(Permissions.SupportRead)
            .WithSummary("A ticket with its whole history: created, verified, linked, merged, messages; hints are what matching found");
        tickets.MapGet("/{ticket}/attachments/{number:int}", Download).WithName("DownloadSupportAttachment").RequirePermission(Permissions.SupportRead)
            .WithSummary("A stored file of a ticket, as a download (Content-Disposition: attachment, X-Content-Type-Options: nosniff)");
        tickets.MapPost("/{ticket}/link", Link).WithName("LinkSupportTicket").RequirePermission(Permissions.SupportWrite)
            .WithSummary("Link a ticket without an account (triage) to the customer account a person confirmed, with why");
        tickets.MapPost("/{ticket}/messages", AddMessage).WithName("AddSupportTicketMessage").RequirePermission(Permissions.SupportWrite)
            .WithSummary("Add a message to a ticket (an answer, a note of a call; at most 10,000 characters)");
        MapAccountView(app);
        return app;
    }

    /// <summary>The account view (customer 360) for a CRM, the SLA alerts, and who is on shift: read with support.read.</summary>
    private static void MapAccountView(IEndpointRouteBuilder app)
    {
        var support = app.MapArea("/api/support", "Support");
        support.MapGet("/accounts/{account}", Account).WithName("GetSupportAccountView").RequirePermission(Permissions.SupportRead)
            .WithSummary("One customer account whole: its sites and their states, its incidents' restore progress and data loss, its tickets and tasks, every escalation by channel, the updates mailed to it with their delivery, its contacts including ended ones, its site links' history, its SLA alerts");
        support.MapGet("/sla-alerts", SlaAlerts).WithName("ListSupportSlaAlerts").RequirePermission(Permissions.SupportRead)
            .WithSummary("SLA reminders and breaches, newest first (of one ticket with ticket=); limit 1 to 500");
        support.MapGet("/shifts", Shifts).WithName("GetSupportShifts").RequirePermission(Permissions.SupportRead)
            .WithSummary("The shift table, the teams on shift now and the team on duty (the owner of tickets whose region's team is off shift)");
    }

    public sealed record ShiftsAnswer(IReadOnlyList<Shift> Shifts, IReadOnlyDictionary<string, string> TeamOfRegion, IReadOnlyList<string> OnShift, string OnDuty);

    public static async Task<Ok<AccountOverview>> Account(string account, SupportDesk desk, CommunicationDesk comms, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.AccountOverviewAsync(AccountId.Parse(account), comms, cancellationToken));

    public static async Task<Ok<IReadOnlyList<SlaAlert>>> SlaAlerts(SupportDesk desk, CancellationToken cancellationToken, string? ticket = null, int limit = 100)
    {
        Api.RequireInRange(limit, "limit", 1, TicketBookLimits.MaxList, "how many alerts to list");
        return TypedResults.Ok(await desk.SlaAlertsAsync(ticket is null ? null : TicketId.Parse(ticket), limit, cancellationToken));
    }

    public static Ok<ShiftsAnswer> Shifts(SupportDesk desk)
    {
        var onShift = desk.OnShiftNow();
        return TypedResults.Ok(new ShiftsAnswer(desk.Options.Shifts.Shifts, desk.Options.Shifts.TeamOfRegion, onShift, onShift[0]));
    }

    public sealed record SupportIntakeRequest(string? Email = null, string? Company = null, string? Site = null, string? Description = null, string? Website = null,
        IReadOnlyList<IntakeFile>? Attachments = null)
    {
        public SupportRequest Request => new(Email, Company, Site, Description) { Files = [.. (Attachments ?? []).Select(f => f.Decoded())] };
    }

    /// <summary>A file of a JSON request: its name and its bytes in base64.</summary>
    public sealed record IntakeFile(string? Name = null, string? Content = null)
    {
        public SupportFile Decoded()
        {
            var bytes = new byte[((Content?.Length ?? 0) * 3 / 4) + 3];
            return Convert.TryFromBase64String(Content ?? "", bytes, out var length)
                ? new SupportFile(Name, bytes.AsMemory(0, length))
                : throw new PlatformException(PlatformErrorKind.Invalid,
                    $"the content of the file '{Name}' is not base64: send each file's bytes base64-encoded (RFC 4648, with padding). Nothing was stored.");
        }
    }

    public sealed record IntakeAnswer(string Request, string Email, DateTimeOffset ExpiresAt, string Message)
    {
        public static IntakeAnswer Of(IntakeReceipt receipt) => new(receipt.Request.Value, receipt.Email, receipt.ExpiresAt, receipt.Message);
    }

    public sealed record VerifyRequest(string? Code = null);

    public sealed record VerifyAnswer(string Request, string Email, string Message);

    public sealed record LinkTicketRequest(string Account, string? Reason = null);

    public sealed record TicketMessageRequest(string Text);

    public static async Task<IResult> Submit(SupportIntakeRequest body, SupportDesk desk, IntakeLimits limits, HttpContext http, CancellationToken cancellationToken)
    {
        if (limits.WaitFor(body.Email) is { } wait)
        {
            return TooMany(http, IntakeLimits.TooManyFor(body.Email!.Trim(), wait), wait);
        }

        var receipt = string.IsNullOrEmpty(body.Website)
            ? await desk.SubmitAsync(body.Request, TicketChannel.Api, cancellationToken)
            : await desk.SubmitHoneypotAsync(body.Request, cancellationToken);
        return TypedResults.Accepted($"/api/support/requests/{receipt.Request}", IntakeAnswer.Of(receipt));
    }

    public static async Task<Ok<VerifyAnswer>> Verify(string request, VerifyRequest body, SupportDesk desk, CancellationToken cancellationToken)
    {
        var verified = await desk.VerifyCodeAsync(TicketId.Parse(request), body.Code, cancellationToken);
        return TypedResults.Ok(new VerifyAnswer(verified.Request.Value, verified.Email, verified.Message));
    }

    public static async Task<Ok<IReadOnlyList<Ticket>>> List(SupportDesk desk, CancellationToken cancellationToken, string? queue = null, string? account = null, int limit = 100,
        string? owner = null)
    {
        Api.RequireInRange(limit, "limit", 1, TicketBookLimits.MaxList, "how many tickets to list");
        return TypedResults.Ok(await desk.TicketsAsync(new TicketFilter(queue is null ? null : TicketWords.Parse<TicketQueue>(queue, "queue"),
            account is null ? null : AccountId.Parse(account), owner, limit), cancellationToken));
    }

    public static async Task<Ok<TicketView>> Get(string ticket, SupportDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.GetTicketAsync(TicketId.Parse(ticket), cancellationToken));

    /// <summary>A stored attachment as a download: never shown inline, never sniffed into another type.</summary>
    public static async Task<IResult> Download(string ticket, int number, SupportDesk desk, HttpContext http, CancellationToken cancellationToken)
    {
        var file = await desk.AttachmentAsync(TicketId.Parse(ticket), number, cancellationToken);
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(file.Content, file.ContentType, file.FileName);
    }

    public static async Task<Ok<TicketView>> Link(string ticket, LinkTicketRequest body, SupportDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.LinkTicketAsync(TicketId.Parse(ticket), AccountId.Parse(body.Account), body.Reason, cancellationToken));

    public static async Task<Ok<TicketView>> AddMessage(string ticket, TicketMessageRequest body, SupportDesk desk, CancellationToken cancellationToken) =>
        TypedResults.Ok(await desk.AddMessageAsync(TicketId.Parse(ticket), body.Text, cancellationToken));

    /// <summary>A 429 in the words of the other rate limits: the status, Retry-After, and a problem saying when to try again.</summary>
    public static IResult TooMany(HttpContext http, string message, TimeSpan wait)
    {
        http.Response.Headers.RetryAfter = IntakeLimits.Seconds(wait);
        return TypedResults.Problem(title: "Too many requests", detail: message, statusCode: StatusCodes.Status429TooManyRequests);
    }
}
