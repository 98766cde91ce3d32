using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace Hil.Cli.Mutation;

/// <summary>The run written three ways: mutation.json (everything), junit.xml (a test case per mutant; a survivor fails) and index.html.</summary>
public static class MutationReport
{
    public static void Write(string directory, IReadOnlyList<MutantResult> results, MutationSummary summary, string title)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "mutation.json"), Json(results, summary));
        Junit(results, summary).Save(Path.Combine(directory, "junit.xml"));
        File.WriteAllText(Path.Combine(directory, "index.html"), Html(results, summary, title));
    }

    public static string SummaryLine(MutationSummary s) =>
        $"{s.Mutants} mutants: {s.Killed} killed, {s.TimedOut} timed out, {s.Survived} survived, {s.BuildFailed} did not build" +
        (s.Equivalent > 0 ? $", {s.Equivalent} marked equivalent" : "") +
        $"; kill rate {s.KillRate:P1} of {s.Counted} ({s.Wall.TotalMinutes:0.0} min, {s.Jobs} jobs)";

    private static string Json(IReadOnlyList<MutantResult> results, MutationSummary s) => JsonSerializer.Serialize(new
    {
        summary = new
        {
            mutants = s.Mutants, killed = s.Killed, timedOut = s.TimedOut, survived = s.Survived, buildFailed = s.BuildFailed, equivalent = s.Equivalent,
            killRate = Math.Round(s.KillRate, 4), wallSeconds = Math.Round(s.Wall.TotalSeconds, 1), jobs = s.Jobs, seed = s.Seed, sample = s.Sample,
        },
        mutants = results.Select(r => new
        {
            id = r.Mutant.Id, file = r.Mutant.File, line = r.Mutant.Line, column = r.Mutant.Column, @operator = r.Mutant.Operator,
            original = r.Mutant.Original, replacement = r.Mutant.Replacement, status = Status(r.Status), killedBy = r.KilledBy, detail = r.Detail,
            seconds = Math.Round(r.Duration.TotalSeconds, 2), fromCache = r.FromCache, equivalent = r.Equivalent?.Reason, diff = r.Diff,
        }),
    }, new JsonSerializerOptions { WriteIndented = true });

    private static string Status(MutantStatus status) => status switch
    {
        MutantStatus.Killed => "killed", MutantStatus.TimedOut => "timed out", MutantStatus.BuildFailed => "did not build", _ => "survived",
    };

    /// <summary>XML 1.0 cannot hold control characters; a mutant's output can (a firmware writing garbage): they become U+FFFD.</summary>
    private static string Xml(string? text) =>
        new((text ?? "").Select(c => XmlConvert.IsXmlChar(c) ? c : '\uFFFD').ToArray());

    private static XDocument Junit(IReadOnlyList<MutantResult> results, MutationSummary s) => new(new XElement("testsuites",
        new XElement("testsuite", new XAttribute("name", "hil mutate"), new XAttribute("tests", results.Count),
            new XAttribute("failures", s.Survived), new XAttribute("skipped", s.BuildFailed + s.Equivalent), new XAttribute("time", s.Wall.TotalSeconds),
            results.Select(r => new XElement("testcase",
                new XAttribute("classname", r.Mutant.File), new XAttribute("name", Xml($"{r.Mutant.Location} {r.Mutant.Operator} [{r.Mutant.Id}]")),
                new XAttribute("time", r.Duration.TotalSeconds),
                r.Equivalent is not null ? new XElement("skipped", new XAttribute("message", Xml($"marked equivalent: {r.Equivalent.Reason}"))) :
                r.Status == MutantStatus.Survived ? new XElement("failure", new XAttribute("message", "survived: no scenario failed"), Xml(r.Diff)) :
                r.Status == MutantStatus.BuildFailed ? new XElement("skipped", new XAttribute("message", "did not build")) :
                new XElement("system-out", Xml($"{Status(r.Status)}{(r.KilledBy is null ? "" : $" by {r.KilledBy}")}: {r.Detail}\n{r.Diff}")))))));

    private static string Html(IReadOnlyList<MutantResult> results, MutationSummary s, string title)
    {
        static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
        var html = new StringBuilder();
        html.Append($"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{E(title)}</title><style>" +
                    "body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}" +
                    "pre{background:#f6f6f6;padding:6px;margin:2px 0}.survived{background:#fde2e2}.killed{background:#e2f5e2}.other{background:#eee}</style></head><body>");
        html.Append($"<h1>{E(title)}</h1><p id=\"summary\">{E(SummaryLine(s))}</p>");
        var survivors = results.Where(r => r.Status == MutantStatus.Survived && r.Equivalent is null).ToList();
        html.Append($"<h2>Survivors ({survivors.Count})</h2>");
        foreach (var r in survivors)
            html.Append($"<div class=\"survived\" id=\"m-{r.Mutant.Id}\"><b>{E(r.Mutant.Location)}</b> {E(r.Mutant.Operator)} [{r.Mutant.Id}]<pre>{E(r.Diff)}</pre></div>");
        var marked = results.Where(r => r.Equivalent is not null).ToList();
        if (marked.Count > 0)
        {
            html.Append($"<h2>Marked equivalent ({marked.Count})</h2><table><tr><th>mutant</th><th>where</th><th>reason</th><th>result</th></tr>");
            foreach (var r in marked)
                html.Append($"<tr><td>{r.Mutant.Id}</td><td>{E(r.Mutant.Location)}</td><td>{E(r.Equivalent!.Reason)}</td><td>{Status(r.Status)}</td></tr>");
            html.Append("</table>");
        }
        html.Append("<h2>All mutants</h2><table><tr><th>where</th><th>operator</th><th>change</th><th>result</th><th>by</th><th>s</th></tr>");
        foreach (var r in results)
        {
            string css = r.Status == MutantStatus.Survived ? "survived" : r.Status == MutantStatus.Killed ? "killed" : "other";
            html.Append($"<tr class=\"{css}\"><td>{E(r.Mutant.Location)}</td><td>{E(r.Mutant.Operator)}</td><td><code>{E(r.Mutant.Original)}</code> → <code>{E(r.Mutant.Replacement)}</code></td>" +
                        $"<td>{Status(r.Status)}{(r.FromCache ? " (cached)" : "")}</td><td>{E(r.KilledBy)}</td><td>{r.Duration.TotalSeconds:0.0}</td></tr>");
        }
        return html.Append("</table></body></html>").ToString();
    }
}
