using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lifeboat.Platform;
using Lifeboat.Sample.Seeding;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat sample`: the sample SaaS (a tracker and a wiki) on the platform.</summary>
internal static class SampleCommands
{
    private static readonly JsonSerializerOptions ReportJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static Command Create(GlobalOptions globals, IAnsiConsole console)
    {
        var sample = new Command("sample", "The sample SaaS on the platform: a tracker and a wiki whose data lives in each site");
        sample.Add(Seed(globals, console));
        return sample;
    }

    private static Command Seed(GlobalOptions globals, IAnsiConsole console)
    {
        var sites = new Option<int>("--sites") { Description = "How many sites to create", DefaultValueFactory = _ => 10 };
        var size = new Option<string>("--size") { Description = "How much each site holds: small, default or large", DefaultValueFactory = _ => "default" };
        size.AcceptOnlyFromAmong([.. SeedSize.All.Select(s => s.Name)]);
        var internalSites = new Option<int?>("--internal") { Description = "How many of the sites are internal ones (default: 3, or all of them when fewer)" };
        var seed = new Option<int>("--seed") { Description = "The same seed gives the same names, text and files", DefaultValueFactory = _ => 1 };
        var parallel = new Option<int>("--parallel") { Description = "Sites seeded at once", DefaultValueFactory = _ => 4 };
        var json = new Option<string?>("--json") { Description = "Also write the summary as JSON to this file" };
        var oneCallAtATime = new Option<bool>("--one-call-at-a-time")
        {
            Description = "Write each site's licences, people, groups, flags and contacts through the ordinary operations, one transaction each, instead of one import per site (slower; same content)",
        };
        var command = new Command("seed", "Create realistic sites: licences, the legacy app, people, groups, flags, contacts, issues and wiki pages with attachments")
        {
            sites, size, internalSites, seed, parallel, json, oneCallAtATime,
        };
        command.Needs(SitesWrite).SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(sites);
            var options = new SeedOptions
            {
                Sites = count,
                Size = SeedSize.Parse(parse.GetValue(size)),
                Internal = parse.GetValue(internalSites) ?? Math.Clamp(count, 0, 3),
                Seed = parse.GetValue(seed),
                Parallelism = parse.GetValue(parallel),
                OneCallAtATime = parse.GetValue(oneCallAtATime),
            };
            try
            {
                options.Validate(); // before the server is started or anything is written
                await using var session = await command.OpenSessionAsync(globals, parse, SitesWrite, ct);
                var platform = session.Platform;
                var summary = await SeedWithProgressAsync(platform, options, console, ct);
                console.Write(SummaryTable(summary));
                if (parse.GetValue(json) is { } path)
                {
                    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(Report.Of(summary, options.OneCallAtATime), ReportJson), ct);
                }

                return LifeboatCli.Ok;
            }
            catch (PlatformException e) when (e is not Lifeboat.Platform.Access.AccessDeniedException)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return LifeboatCli.BadInput;
            }
        });
        return command;
    }

    private static async Task<SeedSummary> SeedWithProgressAsync(LifeboatPlatform platform, SeedOptions options, IAnsiConsole console, CancellationToken ct)
    {
        var seeder = new SampleSeeder(platform);
        var title = $"Seeding {options.Sites} {options.Size} site(s){(options.OneCallAtATime ? ", one call at a time" : "")}";
        if (!console.Profile.Capabilities.Interactive)
        {
            // Logs and pipes get a line every tenth of the way rather than a bar redrawn in place.
            console.MarkupLine(title);
            var step = Math.Max(1, options.Sites / 10);
            return await seeder.SeedAsync(options, new InlineProgress<SeedProgress>(p =>
            {
                if (p.SitesDone % step == 0 || p.SitesDone == p.SitesTotal)
                {
                    console.MarkupLine($"[grey]{p.SitesDone}/{p.SitesTotal} sites, {StoreCommands.N(p.Records)} records, {StoreCommands.N(p.Blobs)} blobs[/]");
                }
            }), ct);
        }

        SeedSummary summary = null!;
        await console.Progress().AutoClear(false).StartAsync(async progress =>
        {
            var task = progress.AddTask(title, maxValue: options.Sites);
            summary = await seeder.SeedAsync(options, new InlineProgress<SeedProgress>(p => task.Value = p.SitesDone), ct);
        });
        return summary;
    }

    private static Table SummaryTable(SeedSummary s)
    {
        var table = new Table().AddColumns("Sites", "Size", "Records", "Blobs", "Blob bytes", "Seconds", "Sites/s");
        table.AddRow(StoreCommands.N(s.Sites.Count), s.Size.Name, StoreCommands.N(s.Records), StoreCommands.N(s.Blobs), StoreCommands.Bytes(s.BlobBytes),
            s.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture), s.SitesPerSecond.ToString("0.00", CultureInfo.InvariantCulture));
        return table;
    }

    private sealed record Report(int Sites, string Size, string Writes, long Records, long Blobs, long BlobBytes, double Seconds, double SitesPerS)
    {
        public static Report Of(SeedSummary s, bool oneCallAtATime) =>
            new(s.Sites.Count, s.Size.Name, oneCallAtATime ? "one-call-at-a-time" : "import", s.Records, s.Blobs, s.BlobBytes, Math.Round(s.Elapsed.TotalSeconds, 1), Math.Round(s.SitesPerSecond, 2));
    }
}
