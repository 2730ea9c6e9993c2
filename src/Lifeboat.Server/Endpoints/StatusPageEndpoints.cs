using Lifeboat.Communication;
using Lifeboat.Communication.CustomerPages;
using Lifeboat.Platform;
using Lifeboat.Server.Communication;
using Lifeboat.Server.Security;
using Lifeboat.Server.Support;
using Lifeboat.Support;
using Lifeboat.Support.Accounts;

namespace Lifeboat.Server.Endpoints;

/// <summary>
/// What customers read without a login: the public status page and their own capability pages. The status page is the folder
/// the desk renders on every publish, served as static files ahead of everything else (no database, no session, no rate limit
/// per client: a crowd reads it during an outage), so it keeps serving the last published state when PostgreSQL is down.
/// </summary>
public static class StatusPageEndpoints
{
    public const string StatusPath = CommunicationOptions.StatusPath;

    /// <summary>
    /// Serves <paramref name="folder"/> at <c>/status/</c> (index.html, index.json, feed.atom), cached briefly by browsers and proxies.
    /// The files are served from memory (<see cref="StatusPageFiles"/>): a crowd reading the page during an outage costs a stat per
    /// request and no read, and the folder on disk stays what a plain web server would serve.
    /// </summary>
    public static WebApplication UseLifeboatStatusPage(this WebApplication app, string folder)
    {
        var files = new StatusPageFiles(folder);
        app.Use(files.ServeAsync);
        return app;
    }

    public static IEndpointRouteBuilder MapCustomerPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/customers").WithTags("Customer pages").AllowAnonymous().RequireRateLimiting(RequestLimits.AnonymousPolicy);
        pages.MapGet("/{token}", Page).WithName("CustomerPage").ExcludeFromDescription();
        pages.MapGet("/{token}/json", PageJson).WithName("CustomerPageJson")
            .WithSummary("A customer's own page of an incident, through the capability link sent to their key contacts: their sites, each one's restore state and data loss, the ETA, the updates for them");
        pages.MapGet("/{token}/tickets", TicketsJson).WithName("CustomerTicketsJson")
            .WithSummary("The support tickets of the link's customer account (theirs only): subject, state, the last message; the page shows them too");
        return app;
    }

    public static async Task<IResult> Page(string token, CommunicationDesk desk, SupportDesk support, HttpContext http, CancellationToken cancellationToken)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        try
        {
            var page = await desk.CustomerPageAsync(token, cancellationToken);
            // The link names one account; its tickets are read by that account alone, so another customer's never reach this page.
            var tickets = await support.CustomerTicketsAsync(AccountId.Parse(page.Account), cancellationToken);
            return Results.Content(CustomerPageWriter.Html(page, desk.Options.SupportUrl, desk.Options.SupportEmail, CustomerTicketsSection.Html(tickets)),
                "text/html; charset=utf-8");
        }
        catch (PlatformException refused) when (refused.Kind == PlatformErrorKind.NotFound)
        {
            return Results.Content(CustomerPageWriter.Refusal(refused.Message, desk.Options.StatusUrl), "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        }
    }

    public static async Task<IResult> TicketsJson(string token, CommunicationDesk desk, SupportDesk support, HttpContext http, CancellationToken cancellationToken)
    {
        http.Response.Headers.CacheControl = "no-store";
        var page = await desk.CustomerPageAsync(token, cancellationToken);
        return Results.Ok(new CustomerTicketsAnswer(page.Account, page.CustomerName, await support.CustomerTicketsAsync(AccountId.Parse(page.Account), cancellationToken)));
    }

    public sealed record CustomerTicketsAnswer(string Account, string CustomerName, IReadOnlyList<CustomerTicket> Tickets);

    public static async Task<IResult> PageJson(string token, CommunicationDesk desk, HttpContext http, CancellationToken cancellationToken)
    {
        http.Response.Headers.CacheControl = "no-store";
        return Results.Ok(await desk.CustomerPageAsync(token, cancellationToken));
    }
}
