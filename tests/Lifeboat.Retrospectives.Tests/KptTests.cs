using Lifeboat.Platform.Access;
using Npgsql;

namespace Lifeboat.Retrospectives.Tests;

public sealed class KptTests(RetroFixture fixture) : IClassFixture<RetroFixture>
{
    [Fact]
    public async Task AParticipant_WritesKpt_AndRevisingKeepsEveryEarlierText()
    {
        var incident = await fixture.ResolvedWithRetrospectiveAsync();
        var entry = await fixture.As("Carol").AddEntryAsync(incident.Id, EntryKind.Keep, "the freeze went on within minutes");
        entry.Author.ShouldBe("Carol", "a participant under any spelling of their login");
        entry.Revisions.Count.ShouldBe(1);

        var revised = await fixture.As("dana").ReviseEntryAsync(incident.Id, entry.Number, "the freeze went on within five minutes");
        revised.Text.ShouldBe("the freeze went on within five minutes");
        revised.Revisions.Select(r => (r.Text, r.WrittenBy)).ShouldBe([("the freeze went on within minutes", "Carol"), ("the freeze went on within five minutes", "dana")]);
        revised.Author.ShouldBe("Carol");

        (await fixture.RefusedAsync(() => fixture.As("carol").AddEntryAsync(incident.Id, EntryKind.Try, new string('x', 2001)))).ShouldContain("2,000");
        (await fixture.RefusedAsync(() => fixture.As("carol").AddEntryAsync(incident.Id, EntryKind.Try, "  "))).ShouldContain("empty");
        (await fixture.RefusedAsync(() => fixture.As("carol").ReviseEntryAsync(incident.Id, 99, "text"))).ShouldContain("no KPT entry 99");
    }

    [Fact]
    public async Task SomeoneWhoIsNotAParticipant_IsRefused_UnlessTheyCommandIncidents()
    {
        var incident = await fixture.ResolvedWithRetrospectiveAsync();
        var refused = await fixture.RefusedAsync(() => fixture.As("mallory").AddEntryAsync(incident.Id, EntryKind.Problem, "nobody asked me"));
        refused.ShouldContain("mallory is not a participant");
        refused.ShouldContain($"lifeboat incident join {incident.Id}");
        (await fixture.RefusedAsync(() => fixture.Desk.As(new Principal("mallory", "Mallory", [Roles.Operator], AuthenticationMethod.Password))
            .AddEntryAsync(incident.Id, EntryKind.Problem, "nobody asked me"))).ShouldContain("incidents.command");

        var commander = fixture.Desk.As(new Principal("ivan", "Ivan", [Roles.IncidentCommander], AuthenticationMethod.Password));
        (await commander.AddEntryAsync(incident.Id, EntryKind.Problem, "support could not reach customers")).Author.ShouldBe("ivan");
    }

    /// <summary>Retrospective data is never hard-deleted: the database refuses DELETE and TRUNCATE on every table, for the application role and the owner alike.</summary>
    [Fact]
    public async Task TheDatabase_RefusesToDeleteAnyRetrospectiveRecord()
    {
        var incident = await fixture.ResolvedWithRetrospectiveAsync();
        await fixture.As("carol").AddEntryAsync(incident.Id, EntryKind.Keep, "kept");
        await fixture.As("carol").AddActionAsync(incident.Id, new ActionDraft { Kind = ActionKind.ConfirmCause, Title = "cause", Owner = "carol", Due = fixture.Day(3) });
        foreach (var connectionString in new[] { fixture.Platform.Database.ConnectionString, fixture.Platform.Database.OwnerConnectionString })
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            foreach (var table in RetrospectiveDesk.Module.Tables.Select(t => t.Name))
            {
                var before = await fixture.StateAsync();
                foreach (var statement in new[] { $"DELETE FROM {table}", $"TRUNCATE {table} CASCADE" })
                {
#pragma warning disable CA2100 // the table names are the module's own
                    await using var cmd = new NpgsqlCommand(statement, connection);
#pragma warning restore CA2100
                    var refused = await Should.ThrowAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
                    // The application role is not granted DELETE at all; the owner, who could be, meets the trigger.
                    refused.MessageText.ShouldMatch(connectionString == fixture.Platform.Database.OwnerConnectionString ? "never deleted" : "never deleted|permission denied",
                        $"{statement} as {connection.UserName}: {refused.MessageText}");
                }

                (await fixture.StateAsync()).ShouldBe(before);
            }
        }

        (await fixture.Desk.GetAsync(incident.Id)).Entries.Count.ShouldBe(1);
    }

    /// <summary>An environment backup carries the tables its module names: a table left out would not come back after a restore.</summary>
    [Fact]
    public async Task EveryTableOfTheRetroSchema_IsNamedInTheModule()
    {
        await using var connection = new NpgsqlConnection(fixture.Platform.Database.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'retro' AND table_type = 'BASE TABLE'",
            connection);
        var tables = (string)(await cmd.ExecuteScalarAsync())!;
        tables.Split(',').ShouldBe(RetrospectiveDesk.Module.Tables.Select(t => t.Name), ignoreOrder: true);
    }

    [Fact]
    public async Task TheMarkdown_HasTheFiguresKptAndActions_WithPeoplesTextEscaped()
    {
        var incident = await fixture.ResolvedWithRetrospectiveAsync();
        var carol = fixture.As("carol");
        await carol.AddEntryAsync(incident.Id, EntryKind.Problem, "support form needed a login | **and** a site URL\n# not a heading");
        var action = await carol.AddActionAsync(incident.Id, new ActionDraft { Kind = ActionKind.ConfirmCause, Title = "why site IDs?", Owner = "carol", Due = fixture.Day(5) });
        await carol.CompleteActionAsync(incident.Id, action.Number, "the script's input mixed both kinds");
        await carol.MarkNotNeededAsync(incident.Id, ActionKind.DetectSooner, "the detector caught it in one window");

        var md = await fixture.Desk.MarkdownAsync(incident.Id);
        md.ShouldStartWith($"# Retrospective: ");
        md.ShouldContain("## Figures");
        md.ShouldContain("| Time to every site restored and validated |");
        md.ShouldContain("| Tickets per channel | not tracked by this environment:");
        md.ShouldContain("## Data lost per customer");
        md.ShouldContain("verified none");
        md.ShouldContain("support form needed a login \\| \\*\\*and\\*\\* a site URL \\# not a heading — carol");
        md.ShouldContain($"- [x] #{action.Number} why site IDs? — owner carol");
        md.ShouldContain("Not needed: the detector caught it in one window");
        md.ShouldContain("Kinds still without an action or a \"not needed\": make-fix-permanent, prevent-recurrence, recover-faster");
        md.ShouldContain("## Timeline");
    }
}
