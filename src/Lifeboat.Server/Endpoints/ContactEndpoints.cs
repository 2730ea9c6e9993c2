using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Contacts;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>
/// Key contacts of every site. They live outside the sites' data, so a deleted (even purged) site's
/// contacts are still listed: the people an incident affects can still be reached.
/// </summary>
public static class ContactEndpoints
{
    public static IEndpointRouteBuilder MapContactEndpoints(this IEndpointRouteBuilder app)
    {
        var site = app.MapArea("/api/sites/{site}/contacts", "Contacts");
        site.MapGet("/", OfSite).WithName("ListContacts").RequirePermission(Permissions.ContactsRead).WithSummary("A site's contacts, whatever state the site is in");
        site.MapPost("/", Add).WithName("AddContact").RequirePermission(Permissions.ContactsWrite).WithSummary("Add a contact (an email address or a phone number is required)");

        var contacts = app.MapArea("/api/contacts", "Contacts");
        contacts.MapGet("/export", Export).WithName("ExportContacts").RequirePermission(Permissions.ContactsExport).WithSummary("Every live contact of every site, as JSON");
        contacts.MapGet("/export.csv", ExportCsv).WithName("ExportContactsCsv").RequirePermission(Permissions.ContactsExport)
            .WithSummary("Every live contact of every site, as CSV (a header, then one line per contact)")
            .Produces<string>(StatusCodes.Status200OK, "text/csv");
        contacts.MapGet("/{contact}", Get).WithName("GetContact").RequirePermission(Permissions.ContactsRead).WithSummary("One contact");
        contacts.MapPatch("/{contact}", Update).WithName("UpdateContact").RequirePermission(Permissions.ContactsWrite).WithSummary("Change a contact; fields left out stay as they are");
        contacts.MapDelete("/{contact}", Remove).WithName("RemoveContact").RequirePermission(Permissions.ContactsWrite).WithSummary("Remove a contact softly (its history stays)");
        contacts.MapGet("/{contact}/history", History).WithName("ContactHistory").RequirePermission(Permissions.ContactsRead).WithSummary("Every version of a contact, oldest first");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<Contact>>> OfSite(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Contacts.OfSiteAsync(SiteId.Parse(site), cancellationToken));

    public static async Task<Created<Contact>> Add(string site, AddContactRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var contact = await platform.Contacts.AddAsync(SiteId.Parse(site), request.Role, request.Name, request.Email, request.Phone, cancellationToken);
        return TypedResults.Created($"/api/contacts/{contact.Id}", contact);
    }

    public static async Task<Ok<Contact>> Get(string contact, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Contacts.GetAsync(ContactId.Parse(contact), cancellationToken));

    public static async Task<Ok<Contact>> Update(string contact, UpdateContactRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Contacts.UpdateAsync(ContactId.Parse(contact), request.Name, request.Email, request.Phone, request.Role, cancellationToken));

    public static async Task<Ok<ChangeResult>> Remove(string contact, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ChangeResult(await platform.Contacts.RemoveAsync(ContactId.Parse(contact), cancellationToken)));

    public static async Task<Ok<IReadOnlyList<ContactVersion>>> History(string contact, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        var versions = await platform.Contacts.HistoryAsync(ContactId.Parse(contact), cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ContactVersion>>(versions.Select(v => new ContactVersion(v.Position, v.At, v.Actor, v.Contact is null, v.Contact)).ToList());
    }

    public static async Task<Ok<IReadOnlyList<Contact>>> Export(LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Contacts.ExportAsync(cancellationToken));

    public static async Task<ContentHttpResult> ExportCsv(LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Text(ContactCsv.Write(await platform.Contacts.ExportAsync(cancellationToken)), "text/csv; charset=utf-8");
}

public sealed record AddContactRequest(ContactRole Role, string Name, string? Email = null, string? Phone = null);

public sealed record UpdateContactRequest(string? Name = null, string? Email = null, string? Phone = null, ContactRole? Role = null);

/// <summary>One version of a contact; Removed when this version is the removal.</summary>
public sealed record ContactVersion(long Position, DateTimeOffset At, string Actor, bool Removed, Contact? Contact);
