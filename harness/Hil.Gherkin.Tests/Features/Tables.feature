Feature: Tables and doc strings
  Scenario: a table of readings
    Given these readings:
      | temperature | humidity |
      | 24.5        | 58       |
      | 25.0        | 60.5     |
    Then the sum of temperatures is 49.5

  Scenario: a doc string
    Given the payload
      """json
      {"v":2,
       "seq":42}
      """
    Then the payload has 2 lines

  Scenario Outline: a table with placeholders
    Given these readings:
      | temperature | humidity |
      | <t>         | 50       |
    Then the sum of temperatures is <t>

    Examples:
      | t    |
      | 12.5 |
