Feature: Outline
  Scenario Outline: a node speaking protocol v<version>
    Given a node with protocol v<version> and firmware "<firmware>"
    Then the recorded protocol is <version>

    Examples:
      | version | firmware |
      | 1       | 1.4.2    |
      | 2       | 2.1.0    |

    @fast
    Examples: newer
      | version | firmware |
      | 3       | 3.0.0    |

  Scenario Outline: no placeholder in the name
    Given a node with protocol v<version> and firmware "x"

    Examples:
      | version |
      | 7       |
