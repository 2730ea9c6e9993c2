using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Accounts;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>
/// Customer accounts: who owns which sites, and whom to reach about them. Read with the permission site
/// contacts are read with (they are the same kind of facts: whom to reach); changed with the one sites are
/// administered with.
/// </summary>
public static class CustomerAccountEndpoints
{
    public static IEndpointRouteBuilder MapCustomerAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapArea("/api/accounts", "Customer accounts");
        accounts.MapGet("/", List).WithName("ListAccounts").RequirePermission(Permissions.ContactsRead)
            .WithSummary("List customer accounts in creation order, or find them by name")
            .WithDescription("q: part of the name, any case (names that start with it first); otherwise page with after = the last account ID of the previous page. limit 1 to 1000.");
        accounts.MapPost("/", Create).WithName("CreateAccount").RequirePermission(Permissions.SitesWrite)
            .WithSummary("Create a customer account (name, support tier Standard|Premium|Enterprise, region) with its first key contacts");
        accounts.MapGet("/{account}", Get).WithName("GetAccount").RequirePermission(Permissions.ContactsRead)
            .WithSummary("An account, its sites with their states (deleted and purged ones too) and its key contacts")
            .WithDescription("Key contacts are the account's own and its sites', one per e-mail address (case-insensitive); from says where each came from (account or a site ID), alsoFrom the others that list it.");
        accounts.MapGet("/{account}/links", Links).WithName("AccountLinkHistory").RequirePermission(Permissions.ContactsRead)
            .WithSummary("Every link the account has had to a site, in force or ended, oldest first");
        accounts.MapPost("/{account}/sites", Link).WithName("LinkAccountSite").RequirePermission(Permissions.SitesWrite)
            .WithSummary("Link a site to the account (a site has one owner: one owned by another account is a 409 naming it, unless move is true)");
        accounts.MapDelete("/{account}/sites/{site}", Unlink).WithName("UnlinkAccountSite").RequirePermission(Permissions.SitesWrite)
            .WithSummary("End the site's link to the account (the link stays in the history)");
        accounts.MapPost("/{account}/contacts", AddContact).WithName("AddAccountContact").RequirePermission(Permissions.SitesWrite)
            .WithSummary("Add a key contact to the account (role Admin|Billing|Technical; an email address or a phone number is required)");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<CustomerAccount>>> List(LifeboatPlatform platform, CancellationToken cancellationToken,
        string? q = null, string? after = null, int limit = 100)
    {
        Api.RequireInRange(limit, "limit", 1, CustomerAccounts.MaxList, "how many accounts to list; page with after");
        return TypedResults.Ok(q is not null
            ? await platform.Accounts.FindAsync(q, limit, cancellationToken)
            : await platform.Accounts.ListAsync(after is null ? null : AccountId.Parse(after), limit, cancellationToken));
    }

    public static async Task<Created<CustomerAccount>> Create(CreateAccountRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var contacts = (request.Contacts ?? []).Select(c => c.Draft()).ToList();
        var account = await platform.Accounts.CreateAsync(request.Name!, AccountWords.Tier(request.Tier), request.Region!, contacts, cancellationToken);
        return TypedResults.Created($"/api/accounts/{account.Id}", account);
    }

    public static async Task<Ok<AccountView>> Get(string account, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Accounts.ViewAsync(AccountId.Parse(account), cancellationToken));

    public static async Task<Ok<IReadOnlyList<AccountLink>>> Links(string account, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Accounts.LinkHistoryAsync(AccountId.Parse(account), cancellationToken));

    public static async Task<Created<AccountLink>> Link(string account, LinkSiteRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var id = AccountId.Parse(account);
        var link = await platform.Accounts.LinkAsync(id, SiteId.Parse(request.Site), request.Move, cancellationToken);
        return TypedResults.Created($"/api/accounts/{id}", link);
    }

    public static async Task<Ok<AccountLink>> Unlink(string account, string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Accounts.UnlinkAsync(AccountId.Parse(account), SiteId.Parse(site), cancellationToken));

    public static async Task<Created<AccountContact>> AddContact(string account, AccountContactRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var id = AccountId.Parse(account);
        var contact = await platform.Accounts.AddContactAsync(id, request.Draft(), cancellationToken);
        return TypedResults.Created($"/api/accounts/{id}", contact);
    }
}

/// <summary>A new account. The tier and the contacts' roles are words (any case), read by the library so a wrong one is refused naming the allowed ones.</summary>
public sealed record CreateAccountRequest(string? Name, string? Tier, string? Region, IReadOnlyList<AccountContactRequest>? Contacts = null);

public sealed record AccountContactRequest(string? Role, string? Name, string? Email = null, string? Phone = null)
{
    internal AccountContactDraft Draft() => new(AccountWords.Role(Role), Name!, Email, Phone);
}

public sealed record LinkSiteRequest(string? Site, bool Move = false);
