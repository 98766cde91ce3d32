using Hil.Cli.Mutation;

namespace Hil.Cli.Tests;

/// <summary>Each mutation operator on a small C fixture: the exact mutants it makes, where, and what it leaves alone.</summary>
public sealed class MutationOperatorTests
{
    private const string Fixture = """
        #include <stdint.h>
        #define TIMEOUT_MS 5000u /* a unit */
        static uint8_t table[16];   /* a declaration outside functions: left alone */
        struct pair { int a, b; };

        int clamp(int x, int limit)
        {
            int count = 0;           /* a declaration: never deleted */
            uint8_t *p = table;
            if (x > limit && limit != 0) {
                count += 2;
                note("over", x * 3);
            }
            while (count <= 7) count++;
            return x - limit;
        }

        /* x < y in a comment and "a < b" in a string are not code */
        const char *name(void) { return "a < b"; }
        """;

    private static IReadOnlyList<Mutant> Of(string op) =>
        MutationOperators.Generate("fixture.c", Fixture).Where(m => m.Operator == op).ToList();

    private static (int, string, string)[] Changes(string op) => Of(op).Select(m => (m.Line, m.Original, m.Replacement)).ToArray();

    [Test]
    public void Relational_boundaries_swap_lt_le_and_gt_ge_in_code_only() =>
        Assert.That(Changes(MutationOperators.Relational), Is.EqualTo(new[] { (10, ">", ">="), (14, "<=", "<") }));

    [Test]
    public void Equality_and_logical_operators_swap() =>
        Assert.That(Changes(MutationOperators.Equality).Concat(Changes(MutationOperators.Logical)),
            Is.EqualTo(new[] { (10, "!=", "=="), (10, "&&", "||") }));

    [Test]
    public void Conditions_of_if_and_while_are_negated_whole() =>
        Assert.That(Changes(MutationOperators.Negation), Is.EqualTo(new[]
        {
            (10, "(x > limit && limit != 0)", "(!(x > limit && limit != 0))"), (14, "(count <= 7)", "(!(count <= 7))"),
        }));

    [Test]
    public void Arithmetic_swaps_binary_operators_and_compound_assignments_but_not_a_pointer_star() =>
        Assert.That(Changes(MutationOperators.Arithmetic), Is.EqualTo(new[] { (11, "+=", "-="), (12, "*", "/"), (15, "-", "+") }));

    [Test]
    public void Constants_move_by_one_inside_functions_and_in_defines_not_in_outer_declarations() =>
        Assert.That(Changes(MutationOperators.Constant), Is.EqualTo(new[]
        {
            (2, "5000u", "5001u"), (2, "5000u", "4999u"), (8, "0", "1"), (10, "0", "1"), (11, "2", "3"), (11, "2", "1"),
            (12, "3", "4"), (12, "3", "2"), (14, "7", "8"), (14, "7", "6"),
        }));

    [Test]
    public void Unit_slips_divide_thousands_by_1000_and_multiply_the_rest() =>
        Assert.That(Changes(MutationOperators.UnitSlip), Is.EqualTo(new[]
        {
            (2, "5000u", "5u"), (11, "2", "2000"), (12, "3", "3000"), (14, "7", "7000"),
        }));

    [Test]
    public void Statements_and_calls_are_deleted_but_declarations_are_not() =>
        Assert.That(Changes(MutationOperators.Deletion), Is.EqualTo(new[]
        {
            (11, "count += 2;", ";"), (12, "note(\"over\", x * 3);", ";"), (14, "count++;", ";"),
        }));

    [Test]
    public void Return_values_are_replaced_and_a_string_literal_one_is_left_alone() =>
        Assert.That(Changes(MutationOperators.Return), Is.EqualTo(new[] { (15, "x - limit", "0") }));

    [Test]
    public void A_mutant_applies_at_its_place_gives_its_line_as_a_diff_and_keeps_its_id()
    {
        Mutant m = Of(MutationOperators.Relational)[0];
        string mutated = m.Apply(Fixture);
        Assert.That(mutated.Split('\n')[9].Trim(), Is.EqualTo("if (x >= limit && limit != 0) {"));
        Assert.That(m.Diff(Fixture), Is.EqualTo("--- fixture.c:10\n- if (x > limit && limit != 0) {\n+ if (x >= limit && limit != 0) {"));
        Assert.That(MutationOperators.Generate("fixture.c", Fixture).First(x => x.Operator == MutationOperators.Relational).Id, Is.EqualTo(m.Id));
        Assert.That(() => m.Apply(Fixture.Replace("x > limit", "x  > limit")), Throws.InvalidOperationException);
    }

    [Test]
    public void A_seeded_sample_is_the_same_for_the_same_seed_and_differs_for_another()
    {
        var all = MutationOperators.Generate("fixture.c", Fixture);
        var first = MutantSelection.Sample(all, 5, seed: 7).Select(m => m.Id);
        Assert.That(MutantSelection.Sample(all, 5, seed: 7).Select(m => m.Id), Is.EqualTo(first));
        Assert.That(MutantSelection.Sample(all, 5, seed: 8).Select(m => m.Id), Is.Not.EqualTo(first));
    }
}
