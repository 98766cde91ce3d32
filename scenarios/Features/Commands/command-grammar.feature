@commands
Feature: A node reads any command it is handed and answers in the contract's grammar
  Commands handed to the node by its modem directly, as the broker would deliver them: JSON however it is spaced,
  every way it can be wrong answered with the contract's reason, the node's 512-byte limit, and the last four
  answers remembered so that a redelivery is answered, not run again.

  Background:
    Given a node

  Scenario Outline: a command <what> is answered <status> "<detail>"
    When the node receives the command:
      """
      <command>
      """
    Then the node answers <status> with the detail "<detail>"

    Examples:
      | what                               | command                                                                    | status | detail                          |
      | spaced out                         | { "id" : "c1" , "type" : "set_flap" , "params" : { "position" : 40 } }    | done   | flap=40                         |
      | with a numeric id                  | {"id":7,"type":"set_flap","params":{"position":7}}                         | done   | flap=7                          |
      | with an escaped character          | {"id":"c2","type":"set\u005fflap","params":{"position":3}}                 | done   | flap=3                          |
      | with a position in exponent form   | {"id":"c3","type":"set_flap","params":{"position":1e2}}                    | failed | position must be an integer 0..100 |
      | with a fractional position         | {"id":"c4","type":"set_flap","params":{"position":2.5}}                    | failed | position must be an integer 0..100 |
      | with a negative position           | {"id":"c5","type":"set_flap","params":{"position":-3}}                     | failed | position must be an integer 0..100 |
      | without an id                      | {"type":"set_flap","params":{"position":1}}                                | failed | missing id                      |
      | with an array for an id            | {"id":[1],"type":"set_flap"}                                               | failed | id must be a string or number   |
      | without a type                     | {"id":"c6"}                                                                | failed | missing type                    |
      | with a number for a type           | {"id":"c7","type":5}                                                       | failed | type must be a short string     |
      | with a list for params             | {"id":"c8","type":"set_flap","params":[40]}                                | failed | params must be an object        |
      | that is a list                     | [1,2]                                                                      | failed | command must be a JSON object   |
      | of an unknown type                 | {"id":"c9","type":"dance"}                                                 | failed | unknown type 'dance'            |
      | setting two keys                   | {"id":"c10","type":"set_config","params":{"interval_s":30,"audio_gain":2}} | done   | interval_s=30 audio_gain=2.0    |
      | with a missing comma               | {"id":"j1","type":"set_flap" "params":{}}                                  | failed | malformed JSON: expected ',' or '}' at 29 |
      | with a missing colon               | {"id" "j2"}                                                                | failed | malformed JSON: expected ':' at 6 |
      | with a bad unicode escape          | {"id":"j3\u12G4"}                                                          | failed | malformed JSON: bad \u escape at 10 |
      | with a bad escape                  | {"id":"j4\q"}                                                              | failed | malformed JSON: bad escape at 10 |
      | with a misspelt literal            | {"id":"j5","type":"set_flap","params":{"position":tru}}                    | failed | malformed JSON: unexpected character at 50 |
      | with false for a position          | {"id":"j6","type":"set_flap","params":{"position":false}}                  | failed | position must be an integer 0..100 |
      | with true for a position           | {"id":"j6b","type":"set_flap","params":{"position":true}}                  | failed | position must be an integer 0..100 |
      | with something after it            | {"id":"j7"} x                                                              | failed | malformed JSON: trailing characters at 12 |
      | cut short                          | {"id":"j8","type":"set_flap","params":{"position":40}                      | failed | malformed JSON: expected ',' or '}' at 53 |
      | with a list for a position         | {"id":"j9","type":"set_flap","params":{"position":[1,2,3]}}                | failed | position must be an integer 0..100 |
      | with an escaped slash in a value   | {"id":"j10","type":"set_config","params":{"mqtt_user":"a\/b"}}             | done   | mqtt_user=a/b                   |
      | with a nested object in params     | {"id":"j11","type":"set_flap","params":{"x":{"y":[1,{"z":null}]},"position":9}} | done | flap=9                    |
      | with a space in a text value       | {"id":"j13","type":"set_config","params":{"wifi_ssid":"hive net"}}         | done   | wifi_ssid=hive net              |
      | with true for a text value         | {"id":"j14","type":"set_config","params":{"mqtt_user":true}}               | done   | mqtt_user=true                  |
      | nested eight levels deep           | {"id":"j15","type":"set_flap","params":{"x":[[[[[[1]]]]]],"position":5}}   | done   | flap=5                          |
      | nested nine levels deep            | {"id":"j16","type":"set_flap","params":{"x":[[[[[[[1]]]]]]],"position":5}} | failed | malformed JSON: nested too deep at 50 |
      | with a number key in params        | {"id":"j12","type":"set_config","params":{"interval_s":"45"}}              | done   | interval_s=45                   |

  Scenario: a command of 512 bytes is run, one of 513 bytes is not read
    When the node receives a set_flap command of 512 bytes
    And the node receives a set_flap command of 513 bytes
    Then the node's flap_moves counter is 1
    And the node published 1 answer

  Scenario: the last four answers are remembered, an older one is not
    When the node receives the command:
      """
      {"id":"a","type":"set_flap","params":{"position":1}}
      """
    And the node receives the command:
      """
      {"id":"b","type":"set_flap","params":{"position":2}}
      """
    And the node receives the command:
      """
      {"id":"c","type":"set_flap","params":{"position":3}}
      """
    And the node receives the command:
      """
      {"id":"d","type":"set_flap","params":{"position":4}}
      """
    And the node receives the command:
      """
      {"id":"e","type":"set_flap","params":{"position":5}}
      """
    And the node receives the command:
      """
      {"id":"b","type":"set_flap","params":{"position":2}}
      """
    Then the node answers done with the detail "flap=2"
    And the node's flap_moves counter is 5
    And the console shows "[cmd] b set_flap repeated, answered again: done flap=2" within 1 second
    When the node receives the command:
      """
      {"id":"a","type":"set_flap","params":{"position":1}}
      """
    Then the node's flap_moves counter is 6
    And the node published 7 answers
